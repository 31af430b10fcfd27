#include "engine/runtime/input_validation.h"

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

ValueInfo Declared(const std::string& name, DataType type, std::vector<Dim> dims) {
  ValueInfo v;
  v.name = name;
  v.dtype = type;
  v.has_shape = true;
  v.dims = std::move(dims);
  return v;
}

Dim Fixed(int64_t v) { return Dim{v, ""}; }
Dim Sym(const std::string& s) { return Dim{-1, s}; }

TEST(InputValidationTest, AcceptsMatchingInputs) {
  Tensor x(DataType::kFloat, {4, 3});
  EXPECT_TRUE(ValidateInputs({Declared("x", DataType::kFloat, {Sym("N"), Fixed(3)})}, {&x}).ok());
}

TEST(InputValidationTest, NamesTheInputAndWhatWasExpected) {
  std::vector<ValueInfo> declared = {Declared("pixels", DataType::kFloat, {Sym("N"), Fixed(3)})};
  Tensor wrong_type(DataType::kInt64, {1, 3});
  absl::Status st = ValidateInputs(declared, {&wrong_type});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("pixels"), std::string::npos);
  EXPECT_NE(st.message().find("float"), std::string::npos);
  EXPECT_NE(st.message().find("int64"), std::string::npos);

  Tensor wrong_rank(DataType::kFloat, {3});
  st = ValidateInputs(declared, {&wrong_rank});
  EXPECT_NE(st.message().find("rank 2"), std::string::npos);
  EXPECT_NE(st.message().find("[N,3]"), std::string::npos);

  Tensor wrong_dim(DataType::kFloat, {2, 4});
  st = ValidateInputs(declared, {&wrong_dim});
  EXPECT_NE(st.message().find("[2,4]"), std::string::npos);

  EXPECT_NE(ValidateInputs(declared, {}).message().find("pixels"), std::string::npos);
  EXPECT_NE(ValidateInputs(declared, {nullptr}).message().find("missing"), std::string::npos);
}

TEST(InputValidationTest, OneSymbolOneValue) {
  std::vector<ValueInfo> declared = {Declared("a", DataType::kFloat, {Sym("N")}),
                                     Declared("b", DataType::kFloat, {Sym("N")})};
  Tensor a(DataType::kFloat, {2});
  Tensor b(DataType::kFloat, {3});
  absl::Status st = ValidateInputs(declared, {&a, &b});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("N=3"), std::string::npos);
}

}  // namespace
}  // namespace berth::engine
