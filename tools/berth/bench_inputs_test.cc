#include "bench_inputs.h"

#include <random>

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using engine::DataType;
using engine::Dim;
using engine::Shape;
using engine::ValueInfo;

ValueInfo Info(const std::string& name, DataType type, std::vector<Dim> dims) {
  ValueInfo info;
  info.name = name;
  info.dtype = type;
  info.has_shape = true;
  info.dims = std::move(dims);
  return info;
}

Dim Fixed(int64_t v) { return Dim{v, ""}; }
Dim Symbol(const std::string& s) { return Dim{-1, s}; }
Dim Unknown() { return Dim{}; }

TEST(ParseShapeOverridesTest, ParsesNamesAndDims) {
  auto parsed = ParseShapeOverrides({"x=1,3,224,224", "a=b=2", "scalar="});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->at("x"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(parsed->at("a=b"), (Shape{2}));
  EXPECT_EQ(parsed->at("scalar"), Shape{});
}

TEST(ParseShapeOverridesTest, RejectsMalformedValues) {
  for (const char* bad :
       {"x", "=1,2", "x=1,,2", "x=a", "x=-1", "x=1,2,", "x=99999999999999999999"}) {
    auto parsed = ParseShapeOverrides({bad});
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseShapeOverrides({"x=1", "x=2"}).ok());
}

TEST(ResolveBenchShapeTest, FirstSymbolicOrUnknownDimIsBatch) {
  auto s = ResolveBenchShape(Info("x", DataType::kFloat, {Symbol("N"), Fixed(3)}), 4, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shape{4, 3}));
  s = ResolveBenchShape(Info("x", DataType::kFloat, {Unknown(), Fixed(3)}), 2, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shape{2, 3}));
  s = ResolveBenchShape(Info("x", DataType::kFloat, {Fixed(1), Fixed(3)}), 8, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shape{1, 3}));
}

TEST(ResolveBenchShapeTest, LaterSymbolicDimNeedsOverride) {
  ValueInfo info = Info("ids", DataType::kInt64, {Symbol("batch"), Symbol("seq")});
  auto s = ResolveBenchShape(info, 1, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("'ids'"), std::string::npos);
  EXPECT_NE(s.status().message().find("seq"), std::string::npos);
  EXPECT_NE(s.status().message().find("--shape"), std::string::npos);
  s = ResolveBenchShape(info, 1, {{"ids", Shape{2, 16}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shape{2, 16}));
}

TEST(ResolveBenchShapeTest, OverrideMustMatchRankAndFixedDims) {
  ValueInfo info = Info("x", DataType::kFloat, {Symbol("N"), Fixed(3)});
  EXPECT_FALSE(ResolveBenchShape(info, 1, {{"x", Shape{1, 3, 1}}}).ok());
  EXPECT_FALSE(ResolveBenchShape(info, 1, {{"x", Shape{1, 4}}}).ok());
  ValueInfo no_shape;
  no_shape.name = "y";
  no_shape.dtype = DataType::kFloat;
  EXPECT_FALSE(ResolveBenchShape(no_shape, 1, {}).ok());
  EXPECT_TRUE(ResolveBenchShape(no_shape, 1, {{"y", Shape{5}}}).ok());
}

TEST(MakeBenchInputsTest, ValuesInTheirRanges) {
  std::vector<ValueInfo> infos = {Info("f", DataType::kFloat, {Symbol("N"), Fixed(1000)}),
                                  Info("i", DataType::kInt64, {Fixed(1000)}),
                                  Info("b", DataType::kBool, {Fixed(1000)}),
                                  Info("h", DataType::kFloat16, {Fixed(1000)})};
  auto inputs = MakeBenchInputs(infos, 2, {}, 1);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->size(), 4u);
  EXPECT_EQ((*inputs)[0].shape(), (Shape{2, 1000}));
  for (float v : (*inputs)[0].span<float>()) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, 1.0f);
  }
  for (int64_t v : (*inputs)[1].span<int64_t>()) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 100);
  }
  int trues = 0;
  for (bool v : (*inputs)[2].span<bool>()) trues += v;
  EXPECT_GT(trues, 0);
  EXPECT_LT(trues, 1000);
  for (engine::Float16 v : (*inputs)[3].span<engine::Float16>()) {
    EXPECT_GE(static_cast<float>(v), 0.0f);
    EXPECT_LT(static_cast<float>(v), 1.0f);
  }
}

TEST(MakeBenchInputsTest, UnknownOverrideNameFails) {
  std::vector<ValueInfo> infos = {Info("x", DataType::kFloat, {Fixed(1)})};
  auto inputs = MakeBenchInputs(infos, 1, {{"y", Shape{1}}}, 1);
  ASSERT_FALSE(inputs.ok());
  EXPECT_NE(inputs.status().message().find("'y'"), std::string::npos);
}

TEST(MakeBenchInputsTest, HugeShapeFailsWithoutCrashing) {
  std::vector<ValueInfo> infos = {
      Info("x", DataType::kFloat, {Symbol("N"), Fixed(int64_t{1} << 40)})};
  auto inputs = MakeBenchInputs(infos, 1 << 20, {}, 1);
  EXPECT_FALSE(inputs.ok());
}

}  // namespace
}  // namespace berth::cli
