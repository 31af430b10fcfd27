# berth_add_test(NAME name SOURCES a_test.cc ... DEPS lib ... [WRAPPER command ...])
# Builds one GoogleTest binary and registers it with ctest; with WRAPPER, ctest runs
# `command ... <binary>` (e.g. a script that starts a database server for the test).
function(berth_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;WRAPPER" ${ARGN})
  if(NOT BERTH_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_WRAPPER} $<TARGET_FILE:${ARG_NAME}>)
endfunction()

# berth_add_kernel_test(NAME name SOURCES a_test.cc ...): a kernel unit test with the helpers.
function(berth_add_kernel_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES" ${ARGN})
  berth_add_test(NAME ${ARG_NAME} SOURCES ${ARG_SOURCES} DEPS berth_kernel_test_util)
endfunction()
