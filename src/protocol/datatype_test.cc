#include "protocol/datatype.h"

#include <limits>

#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

using engine::DataType;

TEST(DatatypeTest, EveryProtocolNameRoundTrips) {
  for (const char* name : {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
                           "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16"}) {
    absl::StatusOr<DataType> type = ParseDatatype(name);
    ASSERT_TRUE(type.ok()) << name << ": " << type.status();
    EXPECT_EQ(*DatatypeName(*type), name);
  }
  EXPECT_EQ(*ParseDatatype("FP32"), DataType::kFloat);
  EXPECT_EQ(*ParseDatatype("BYTES"), DataType::kString);
}

TEST(DatatypeTest, UnknownNamesAndTypesAreRefusedByName) {
  for (const char* name : {"fp32", "FLOAT", "", "FP8", "STRING"}) {
    absl::StatusOr<DataType> type = ParseDatatype(name);
    ASSERT_FALSE(type.ok()) << name;
    EXPECT_NE(type.status().message().find(std::string("'") + name + "'"), std::string::npos);
    EXPECT_NE(type.status().message().find("FP32"), std::string::npos);  // lists the known
  }
  absl::StatusOr<std::string> none = DatatypeName(DataType::kUndefined);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckedElementCountTest, CountsAndRefusesOverflow) {
  EXPECT_EQ(*CheckedElementCount({2, 3, 4}, 100, "input 'x'"), 24);
  EXPECT_EQ(*CheckedElementCount({}, 100, "input 'x'"), 1);
  EXPECT_EQ(*CheckedElementCount({5, 0, 1 << 30}, 100, "input 'x'"), 0);
  const int64_t big = int64_t{1} << 32;
  absl::Status overflow = CheckedElementCount({big, big, big}, INT64_MAX, "input 'x'").status();
  EXPECT_NE(overflow.message().find("input 'x'"), std::string::npos) << overflow;
  EXPECT_NE(overflow.message().find("too many"), std::string::npos) << overflow;
  EXPECT_FALSE(CheckedElementCount({-1, 4}, 100, "input 'x'").ok());
  absl::Status large = CheckedElementCount({11, 10}, 100, "input 'y'").status();
  EXPECT_NE(large.message().find("110 elements, more than the 100 allowed"), std::string::npos);
}

TEST(ConvertInputTest, HalfPrecisionBecomesFloatWhereTheModelWantsFloat) {
  const float values[] = {1.5f, -2.0f, 0.25f};  // exact in both formats
  auto half = [&] {
    engine::Tensor t(DataType::kFloat16, {3});
    for (int i = 0; i < 3; ++i) t.data<engine::Float16>()[i] = engine::Float16(values[i]);
    return t;
  };
  auto bf = [&] {
    engine::Tensor t(DataType::kBFloat16, {3});
    for (int i = 0; i < 3; ++i) t.data<engine::BFloat16>()[i] = engine::BFloat16(values[i]);
    return t;
  };
  for (bool brain : {false, true}) {
    absl::StatusOr<engine::Tensor> f = ConvertInput("x", brain ? bf() : half(), DataType::kFloat);
    ASSERT_TRUE(f.ok()) << f.status();
    ASSERT_EQ(f->dtype(), DataType::kFloat);
    ASSERT_EQ(f->shape(), engine::Shape({3}));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(f->data<float>()[i], values[i]);
  }
  EXPECT_EQ(ConvertInput("ids", engine::Tensor(DataType::kInt64, {2}), DataType::kInt64)->dtype(),
            DataType::kInt64);
  absl::Status wrong =
      ConvertInput("ids", engine::Tensor(DataType::kInt64, {2}), DataType::kFloat).status();
  EXPECT_EQ(wrong.message(), "input 'ids': the model expects FP32, got INT64");
  EXPECT_FALSE(ConvertInput("x", half(), DataType::kDouble).ok());  // only into FP32
}

}  // namespace
}  // namespace berth::protocol
