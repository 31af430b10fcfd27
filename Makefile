# berth: the two commands for a fresh machine are `make demo` and `make test`.
.PHONY: setup build build-asan test test-unit test-asan demo bench fuzz clean

PRESET ?= release
BUILD_DIR := build
JOBS ?= $(shell nproc)

setup:
	bash scripts/setup

build: setup
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

# Every test: unit tests, the conformance suites, CLI tests, the fuzz-corpus replay.
# After ctest's own summary, the conformance suites' and pytest's summary lines from its log.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@echo "== conformance and pytest summaries"
	@grep -hE "^suite |^total: |passed in|failed in" $(BUILD_DIR)/Testing/Temporary/LastTest.log || true

build-asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

# Unit tests, then Debian's ONNX backend cases (each checked for leaks), under
# AddressSanitizer/LeakSanitizer and UBSan.
ONNX_DATA := /usr/share/libonnx-testdata/data
test-asan: build-asan
	cd build-asan && ctest --output-on-failure -j $(JOBS) -E "^conformance$$|cli_smoke"
	build-asan/bin/berth_conformance --quiet --memory-limit-mb 0 --jobs $(JOBS) \
	  --passing-list tests/conformance/passing_debian.txt \
	  $(ONNX_DATA)/node $(ONNX_DATA)/pytorch-converted $(ONNX_DATA)/pytorch-operator $(ONNX_DATA)/simple

demo: build
	bash scripts/demo

bench: build
	bash bench/run.sh

# Builds the libFuzzer targets with clang (the project's libraries instrumented for coverage
# too) and runs each in turn for FUZZ_SECONDS, one process, on its seed corpus in tests/fuzz;
# new inputs go to build-fuzz/corpora/NAME, a crash to build-fuzz/artifacts/. docs/FUZZING.md.
FUZZ_SECONDS ?= 60
FUZZERS := model_loader infer_request npy csv proxy_event admin_request validation_report \
           record_json webhook_url npz
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target $(addsuffix _fuzzer,$(FUZZERS))
	mkdir -p build-fuzz/artifacts
	set -e; export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/tests/fuzz/ubsan.supp; \
	for f in $(FUZZERS); do \
	  seeds=tests/fuzz/$${f}_corpus; [ $$f = model_loader ] && seeds=tests/fuzz/corpus; \
	  mkdir -p build-fuzz/corpora/$$f; \
	  build-fuzz/bin/$${f}_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/$$f- \
	    build-fuzz/corpora/$$f $$seeds; \
	done

clean:
	rm -rf build build-debug build-asan build-fuzz
