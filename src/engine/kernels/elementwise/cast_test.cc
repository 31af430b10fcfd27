// Cast and CastLike: numeric conversions, 16-bit floats, strings, old opsets, refusals.
#include <cmath>
#include <limits>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

absl::StatusOr<Tensor> Cast(const Tensor& x, DataType to, int opset = 13) {
  Node node = MakeNode("Cast", 1, 1, {{"to", IntAttr(static_cast<int64_t>(to))}});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, opset, {&x});
  if (!out.ok()) return out.status();
  return std::move((*out)[0]);
}

TEST(CastTest, FloatToIntegersTruncatesAndWraps) {
  Tensor x = MakeTensor<float>({5}, {1.9f, -1.9f, 300.0f, -1.0f, 0.0f});
  ExpectTensorNear(*Cast(x, DataType::kInt32), MakeTensor<int32_t>({5}, {1, -1, 300, -1, 0}));
  ExpectTensorNear(*Cast(x, DataType::kUint8), MakeTensor<uint8_t>({5}, {1, 255, 44, 255, 0}));
  ExpectTensorNear(*Cast(x, DataType::kBool),
                   MakeTensor<bool>({5}, {true, true, true, true, false}));
  Tensor big = MakeTensor<double>({2}, {1.8446744073709550e19, -5.0});
  ExpectTensorNear(*Cast(big, DataType::kUint64),
                   MakeTensor<uint64_t>({2}, {18446744073709549568ull, uint64_t(-5)}));
  Tensor nan = MakeTensor<float>({1}, {NAN});
  EXPECT_TRUE(Cast(nan, DataType::kInt64).ok());  // undefined by ONNX; must not trap
  ExpectTensorNear(*Cast(nan, DataType::kBool), MakeTensor<bool>({1}, {true}));
}

TEST(CastTest, IntegersAndBool) {
  Tensor x = MakeTensor<int16_t>({3}, {200, -56, 0});
  ExpectTensorNear(*Cast(x, DataType::kInt8), MakeTensor<int8_t>({3}, {-56, -56, 0}));
  ExpectTensorNear(*Cast(x, DataType::kUint32),
                   MakeTensor<uint32_t>({3}, {200, 4294967240u, 0}));
  ExpectTensorNear(*Cast(x, DataType::kDouble), MakeTensor<double>({3}, {200, -56, 0}));
  Tensor b = MakeTensor<bool>({2}, {true, false});
  ExpectTensorNear(*Cast(b, DataType::kFloat), MakeTensor<float>({2}, {1, 0}));
  ExpectTensorNear(*Cast(b, DataType::kInt64), MakeTensor<int64_t>({2}, {1, 0}));
  ExpectTensorNear(*Cast(b, DataType::kFloat16),
                   MakeTensor<Float16>({2}, {Float16(1.0f), Float16(0.0f)}));
  ExpectTensorNear(*Cast(x, DataType::kInt16), x);
}

TEST(CastTest, SixteenBitFloats) {
  Tensor x = MakeTensor<float>({4}, {0.1f, 65504.0f, 70000.0f, -2.5f});
  Tensor h = *Cast(x, DataType::kFloat16);
  EXPECT_EQ(h.data<Float16>()[0].bits, Float16(0.1f).bits);
  EXPECT_TRUE(std::isinf(static_cast<float>(h.data<Float16>()[2])));
  Tensor back = *Cast(h, DataType::kFloat);
  EXPECT_EQ(back.data<float>()[0], 0.0999755859375f);
  EXPECT_EQ(back.data<float>()[1], 65504.0f);
  EXPECT_EQ(back.data<float>()[2], INFINITY);
  EXPECT_EQ(back.data<float>()[3], -2.5f);
  // double -> float16 rounds once: 1 + 2^-11 + 2^-30 is just above a halfway point.
  Tensor d = MakeTensor<double>({1}, {1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30)});
  EXPECT_EQ(Cast(d, DataType::kFloat16)->data<Float16>()[0].bits, 0x3c01);
  Tensor i = MakeTensor<int32_t>({1}, {3});
  ExpectTensorNear(*Cast(i, DataType::kBFloat16), MakeTensor<BFloat16>({1}, {BFloat16(3.0f)}));
}

TEST(CastTest, BFloat16RoundingDependsOnOpset) {
  // 0x3F80C000 lies above the halfway point between bfloat16 0x3F80 and 0x3F81.
  float v = std::bit_cast<float>(0x3F80C000u);
  Tensor x = MakeTensor<float>({2}, {v, NAN});
  Tensor truncated = *Cast(x, DataType::kBFloat16, 13);
  EXPECT_EQ(truncated.data<BFloat16>()[0].bits, 0x3F80);
  EXPECT_TRUE(std::isnan(static_cast<float>(truncated.data<BFloat16>()[1])));
  EXPECT_EQ(Cast(x, DataType::kBFloat16, 19)->data<BFloat16>()[0].bits, 0x3F81);
  Tensor d = MakeTensor<double>({1}, {static_cast<double>(v)});
  EXPECT_EQ(Cast(d, DataType::kBFloat16, 13)->data<BFloat16>()[0].bits, 0x3F80);
}

TEST(CastTest, NumbersToStrings) {
  Tensor f = MakeTensor<float>({7}, {0.9767611f, 100.0f, 1e-5f, -0.0f, INFINITY, NAN, 1.5e16f});
  ExpectTensorNear(*Cast(f, DataType::kString),
                   MakeTensor<std::string>({7}, {"0.9767611", "100.0", "1e-05", "-0.0", "inf",
                                                 "nan", "1.5e+16"}));
  Tensor d = MakeTensor<double>({2}, {0.1, 123456789.0});
  ExpectTensorNear(*Cast(d, DataType::kString),
                   MakeTensor<std::string>({2}, {"0.1", "123456789.0"}));
  Tensor h = MakeTensor<Float16>({2}, {Float16(0.1f), Float16(-3.0f)});
  ExpectTensorNear(*Cast(h, DataType::kString), MakeTensor<std::string>({2}, {"0.1", "-3.0"}));
  Tensor i = MakeTensor<int64_t>({2}, {-42, 7});
  ExpectTensorNear(*Cast(i, DataType::kString), MakeTensor<std::string>({2}, {"-42", "7"}));
  Tensor b = MakeTensor<bool>({2}, {true, false});
  ExpectTensorNear(*Cast(b, DataType::kString), MakeTensor<std::string>({2}, {"True", "False"}));
}

TEST(CastTest, StringsToNumbers) {
  Tensor s = MakeTensor<std::string>({6}, {"0.47892547", "+INF", "-inf", "NaN", " 1e-3 ", "-7"});
  Tensor f = *Cast(s, DataType::kFloat);
  const float* v = f.data<float>();
  EXPECT_EQ(v[0], 0.47892547f);
  EXPECT_EQ(v[1], INFINITY);
  EXPECT_EQ(v[2], -INFINITY);
  EXPECT_TRUE(std::isnan(v[3]));
  EXPECT_EQ(v[4], 1e-3f);
  EXPECT_EQ(v[5], -7.0f);
  Tensor n = MakeTensor<std::string>({3}, {"12", "100.5", "-3"});
  ExpectTensorNear(*Cast(n, DataType::kInt32), MakeTensor<int32_t>({3}, {12, 100, -3}));
  ExpectTensorNear(*Cast(n, DataType::kFloat16),
                   MakeTensor<Float16>({3}, {Float16(12.0f), Float16(100.5f), Float16(-3.0f)}));
  Tensor b = MakeTensor<std::string>({3}, {"True", "false", "0"});
  ExpectTensorNear(*Cast(b, DataType::kBool), MakeTensor<bool>({3}, {true, false, false}));
  ExpectTensorNear(*Cast(s, DataType::kString), s);
  absl::StatusOr<Tensor> bad = Cast(MakeTensor<std::string>({1}, {"Hello"}), DataType::kFloat);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Hello"), std::string::npos);
}

TEST(CastTest, OldOpsetStringTarget) {
  Tensor x = MakeTensor<float>({2}, {1.5f, -2.5f});
  Node node = MakeNode("Cast", 1, 1, {{"to", StringAttr("INT32")}});
  ExpectTensorNear((*RunNode(node, 1, {&x}))[0], MakeTensor<int32_t>({2}, {1, -2}));
  Node bad = MakeNode("Cast", 1, 1, {{"to", StringAttr("COMPLEX")}});
  EXPECT_EQ(RunNode(bad, 1, {&x}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CastTest, RefusedTargets) {
  Tensor x = MakeTensor<float>({1}, {1});
  absl::StatusOr<Tensor> f8 = Cast(x, DataType(17), 19);
  EXPECT_EQ(f8.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(f8.status().message().find("float8e4m3fn"), std::string::npos);
  EXPECT_EQ(Cast(x, DataType(22), 21).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(Cast(x, DataType(14)).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(Cast(x, DataType(99)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunNode(MakeNode("Cast", 1), 13, {&x}).status().code(),
            absl::StatusCode::kInvalidArgument);  // no `to`
}

TEST(CastTest, CastLikeTakesTheSecondInputsType) {
  Tensor x = MakeTensor<double>({2}, {1.25, -3.75});
  Tensor like = MakeTensor<Float16>({1}, {Float16(0.0f)});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("CastLike", 2), 15, {&x, &like});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<Float16>({2}, {Float16(1.25f), Float16(-3.75f)}));
  Tensor str = MakeTensor<std::string>({1}, {""});
  ExpectTensorNear((*RunNode(MakeNode("CastLike", 2), 21, {&x, &str}))[0],
                   MakeTensor<std::string>({2}, {"1.25", "-3.75"}));
  EXPECT_EQ(RunNode(MakeNode("CastLike", 2), 14, {&x, &like}).status().code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace berth::engine
