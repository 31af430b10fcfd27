// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger and QLinearMatMul.
#include <cmath>
#include <limits>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

TEST(QuantizeLinearTest, RoundsHalfToEvenAndSaturates) {
  Tensor x = MakeTensor<float>({7}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f});
  Tensor scale = MakeTensor<float>({}, {1.0f});
  Tensor zp = MakeTensor<uint8_t>({}, {10});
  auto r = RunNode(MakeNode("QuantizeLinear", 3), 13, {&x, &scale, &zp});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<uint8_t>({7}, {10, 12, 12, 10, 8, 255, 0}));
  Tensor zp8 = MakeTensor<int8_t>({}, {-1});
  auto s = RunNode(MakeNode("QuantizeLinear", 3), 10, {&x, &scale, &zp8});
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectTensorNear((*s)[0], MakeTensor<int8_t>({7}, {-1, 1, 1, -1, -3, 127, -128}));
  auto no_zp = RunNode(MakeNode("QuantizeLinear", 2), 13, {&x, &scale});
  ASSERT_TRUE(no_zp.ok());
  EXPECT_EQ((*no_zp)[0].dtype(), DataType::kUint8);
}

TEST(QuantizeLinearTest, PerAxisAndBlocked) {
  Tensor x = MakeTensor<float>({2, 4}, {2, 4, 6, 8, 2, 4, 6, 8});
  Tensor per_axis = MakeTensor<float>({2}, {2, 1});
  Tensor zp = MakeTensor<uint8_t>({2}, {0, 100});
  auto r =
      RunNode(MakeNode("QuantizeLinear", 3, 1, {{"axis", IntAttr(0)}}), 13, {&x, &per_axis, &zp});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<uint8_t>({2, 4}, {1, 2, 3, 4, 102, 104, 106, 108}));
  // Blocks of 2 along axis 1: scale [2, 2].
  Tensor blocked = MakeTensor<float>({2, 2}, {1, 2, 2, 4});
  auto b =
      RunNode(MakeNode("QuantizeLinear", 2, 1, {{"axis", IntAttr(1)}, {"block_size", IntAttr(2)}}),
              21, {&x, &blocked});
  ASSERT_TRUE(b.ok()) << b.status();
  ExpectTensorNear((*b)[0], MakeTensor<uint8_t>({2, 4}, {2, 4, 3, 4, 1, 2, 2, 2}));
  Tensor wrong = MakeTensor<float>({3}, {1, 1, 1});
  EXPECT_EQ(RunNode(MakeNode("QuantizeLinear", 2, 1, {{"axis", IntAttr(0)}}), 13, {&x, &wrong})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(QuantizeLinearTest, OutputTypesAndRefusals) {
  Tensor x = MakeTensor<float>({2}, {300, -300});
  Tensor scale = MakeTensor<float>({}, {1});
  auto i16 =
      RunNode(MakeNode("QuantizeLinear", 2, 1, {{"output_dtype", IntAttr(5)}}), 21, {&x, &scale});
  ASSERT_TRUE(i16.ok()) << i16.status();
  ExpectTensorNear((*i16)[0], MakeTensor<int16_t>({2}, {300, -300}));
  auto f8 =
      RunNode(MakeNode("QuantizeLinear", 2, 1, {{"output_dtype", IntAttr(17)}}), 21, {&x, &scale});
  EXPECT_FALSE(f8.ok());
  EXPECT_NE(f8.status().message().find("float8e4m3fn"), std::string::npos);
  auto i4 =
      RunNode(MakeNode("QuantizeLinear", 2, 1, {{"output_dtype", IntAttr(22)}}), 21, {&x, &scale});
  EXPECT_NE(i4.status().message().find("int4"), std::string::npos);
  Tensor xi = MakeTensor<int32_t>({2}, {7, -7});
  Tensor half = MakeTensor<float>({}, {2});
  auto from_int = RunNode(MakeNode("QuantizeLinear", 2), 13, {&xi, &half});
  ASSERT_TRUE(from_int.ok()) << from_int.status();
  ExpectTensorNear((*from_int)[0], MakeTensor<uint8_t>({2}, {4, 0}));
}

TEST(DequantizeLinearTest, PerTensorPerAxisAndInt32) {
  Tensor x = MakeTensor<uint8_t>({4}, {0, 3, 128, 255});
  Tensor scale = MakeTensor<float>({}, {2});
  Tensor zp = MakeTensor<uint8_t>({}, {128});
  auto r = RunNode(MakeNode("DequantizeLinear", 3), 10, {&x, &scale, &zp});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<float>({4}, {-256, -250, 0, 254}));
  Tensor x2 = MakeTensor<int8_t>({2, 2}, {-1, 1, -1, 1});
  Tensor scales = MakeTensor<float>({2}, {1, 10});
  auto axis =
      RunNode(MakeNode("DequantizeLinear", 2, 1, {{"axis", IntAttr(-1)}}), 13, {&x2, &scales});
  ASSERT_TRUE(axis.ok()) << axis.status();
  ExpectTensorNear((*axis)[0], MakeTensor<float>({2, 2}, {-1, 10, -1, 10}));
  Tensor x32 = MakeTensor<int32_t>({2}, {1000, -4});
  Tensor quarter = MakeTensor<float>({}, {0.25f});
  auto i32 = RunNode(MakeNode("DequantizeLinear", 2), 13, {&x32, &quarter});
  ASSERT_TRUE(i32.ok());
  ExpectTensorNear((*i32)[0], MakeTensor<float>({2}, {250, -1}));
}

// x * scale - zero_point element by element, the parameters found by index along `axis`
// (none: per tensor): the reference for the kernel's flat per-tensor and per-axis loops.
template <typename Q>
std::vector<float> ReferenceDequantize(const Tensor& x, const std::vector<float>& scale,
                                       const std::vector<Q>& zp, int axis) {
  int64_t inner = 1;
  for (int i = axis + 1; axis >= 0 && i < x.rank(); ++i) inner *= x.dim(i);
  std::vector<float> out(x.num_elements());
  for (int64_t e = 0; e < x.num_elements(); ++e) {
    const int64_t j = axis < 0 ? 0 : (e / inner) % x.dim(axis);
    const float z = zp.empty() ? 0.0f : static_cast<float>(zp[j]);
    out[e] = (static_cast<float>(x.data<Q>()[e]) - z) * scale[j];
  }
  return out;
}

template <typename Q>
void CheckDequantizeAgainstReference(const Shape& shape, int axis, bool with_zp, uint32_t seed) {
  SCOPED_TRACE(::testing::Message()
               << DataTypeName(DataTypeOf<Q>::value) << " " << ShapeToString(shape) << " axis "
               << axis << " zp " << with_zp);
  std::mt19937 rng(seed);
  const int lo = std::is_same_v<Q, int32_t> ? -100000 : std::numeric_limits<Q>::lowest();
  const int hi = std::is_same_v<Q, int32_t> ? 100000 : std::numeric_limits<Q>::max();
  std::uniform_int_distribution<int> values(lo, hi);
  std::uniform_real_distribution<float> scales(0.001f, 0.1f);
  Tensor x(DataTypeOf<Q>::value, shape);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<Q>()[i] = static_cast<Q>(values(rng));
  const int64_t count = axis < 0 ? 1 : shape[axis];
  std::vector<float> scale(count);
  std::vector<Q> zp(with_zp ? count : 0);
  for (float& s : scale) s = scales(rng);
  for (Q& z : zp) z = std::is_same_v<Q, int32_t> ? Q{0} : static_cast<Q>(values(rng));
  const Shape param_shape = axis < 0 ? Shape{} : Shape{count};
  Tensor scale_t = MakeTensor<float>(param_shape, scale);
  std::vector<const Tensor*> inputs = {&x, &scale_t};
  Tensor zp_t;
  if (with_zp) {
    zp_t = MakeTensor<Q>(param_shape, zp);
    inputs.push_back(&zp_t);
  }
  const int rank = static_cast<int>(shape.size());
  // The axis as a negative number every other case: both spellings reach the same layout.
  const int64_t axis_attr = axis >= 0 && seed % 2 == 1 ? axis - rank : axis;
  Node node = axis < 0 ? MakeNode("DequantizeLinear", static_cast<int>(inputs.size()))
                       : MakeNode("DequantizeLinear", static_cast<int>(inputs.size()), 1,
                                  {{"axis", IntAttr(axis_attr)}});
  auto r = RunNode(node, 13, inputs);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ((*r)[0].dtype(), DataType::kFloat);
  ASSERT_EQ((*r)[0].shape(), shape);
  const std::vector<float> want = ReferenceDequantize<Q>(x, scale, zp, axis);
  const float* got = (*r)[0].data<float>();
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    ASSERT_EQ(got[i], want[i]) << "element " << i;
  }
}

TEST(DequantizeLinearTest, FlatLoopsMatchTheReference) {
  // Per tensor and per axis (first, middle, last), small and large enough to run in threads.
  const std::vector<std::pair<Shape, int>> cases = {
      {{7}, -1},        {{300, 300}, -1},  {{8, 3, 3, 3}, 0}, {{64, 32, 3, 3}, 0},
      {{2, 5, 7}, 1},   {{4, 96, 200}, 1}, {{5, 6}, 1},       {{300, 384}, 1},
      {{1, 100000}, 1}, {{13}, 0},         {{100000, 2}, 0}};
  uint32_t seed = 1;
  for (const auto& [shape, axis] : cases) {
    for (bool with_zp : {false, true}) {
      CheckDequantizeAgainstReference<uint8_t>(shape, axis, with_zp, seed++);
      CheckDequantizeAgainstReference<int8_t>(shape, axis, with_zp, seed++);
      CheckDequantizeAgainstReference<int32_t>(shape, axis, with_zp, seed++);
    }
  }
}

TEST(DequantizeLinearTest, HalfScaleGivesHalfOutputFrom19) {
  Tensor x = MakeTensor<uint8_t>({2}, {1, 2});
  Tensor scale = MakeTensor<Float16>({}, {Float16(0.5f)});
  auto r = RunNode(MakeNode("DequantizeLinear", 2), 19, {&x, &scale});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<Float16>({2}, {Float16(0.5f), Float16(1.0f)}));
  Tensor zp = MakeTensor<int8_t>({}, {0});
  EXPECT_FALSE(RunNode(MakeNode("DequantizeLinear", 3), 19, {&x, &scale, &zp}).ok());
}

TEST(DynamicQuantizeLinearTest, RangeIncludesZero) {
  Tensor x = MakeTensor<float>({4}, {1, 2, 3, 5.1f});
  auto r = RunNode(MakeNode("DynamicQuantizeLinear", 1, 3), 11, {&x});
  ASSERT_TRUE(r.ok()) << r.status();
  const float scale = 5.1f / 255.0f;
  ExpectTensorNear((*r)[1], MakeTensor<float>({}, {scale}));
  ExpectTensorNear((*r)[2], MakeTensor<uint8_t>({}, {0}));
  ExpectTensorNear((*r)[0], MakeTensor<uint8_t>({4}, {50, 100, 150, 255}));
  Tensor neg = MakeTensor<float>({3}, {-1, 0, 1});
  auto n = RunNode(MakeNode("DynamicQuantizeLinear", 1, 3), 11, {&neg});
  ASSERT_TRUE(n.ok());
  // 1 / (2 / 255) is 127.49999 in float32, so the zero point is 127 (as ONNX's reference).
  ExpectTensorNear((*n)[2], MakeTensor<uint8_t>({}, {127}));
  ExpectTensorNear((*n)[0], MakeTensor<uint8_t>({3}, {0, 127, 254}));
}

TEST(MatMulIntegerTest, ZeroPointsPerTensorRowAndColumn) {
  Tensor a = MakeTensor<uint8_t>({2, 2}, {10, 20, 30, 40});
  Tensor b = MakeTensor<int8_t>({2, 2}, {1, -1, 2, -2});
  auto plain = RunNode(MakeNode("MatMulInteger", 2), 10, {&a, &b});
  ASSERT_TRUE(plain.ok()) << plain.status();
  ExpectTensorNear((*plain)[0], MakeTensor<int32_t>({2, 2}, {50, -50, 110, -110}));
  Tensor a_zp = MakeTensor<uint8_t>({2}, {10, 30});  // per row
  Tensor b_zp = MakeTensor<int8_t>({2}, {1, 0});     // per column
  auto zp = RunNode(MakeNode("MatMulInteger", 4), 10, {&a, &b, &a_zp, &b_zp});
  ASSERT_TRUE(zp.ok()) << zp.status();
  // A - zp = [[0, 10], [0, 10]]; B - zp = [[0, -1], [1, -2]].
  ExpectTensorNear((*zp)[0], MakeTensor<int32_t>({2, 2}, {10, -20, 10, -20}));
  Tensor bad = MakeTensor<uint8_t>({3}, {1, 2, 3});
  EXPECT_FALSE(RunNode(MakeNode("MatMulInteger", 3), 10, {&a, &b, &bad}).ok());
}

TEST(QLinearMatMulTest, RequantizesWithScales) {
  Tensor a = MakeTensor<uint8_t>({1, 2}, {12, 14});
  Tensor a_scale = MakeTensor<float>({}, {0.5f});
  Tensor a_zp = MakeTensor<uint8_t>({}, {10});
  Tensor b = MakeTensor<uint8_t>({2, 2}, {1, 2, 3, 4});
  Tensor b_scale = MakeTensor<float>({}, {1.0f});
  Tensor b_zp = MakeTensor<uint8_t>({}, {1});
  Tensor y_scale = MakeTensor<float>({}, {0.25f});
  Tensor y_zp = MakeTensor<uint8_t>({}, {5});
  // (A - 10) = [2, 4]; (B - 1) = [[0, 1], [2, 3]]; product [8, 14]; * 0.5 / 0.25 = [16, 28].
  auto r = RunNode(MakeNode("QLinearMatMul", 8), 10,
                   {&a, &a_scale, &a_zp, &b, &b_scale, &b_zp, &y_scale, &y_zp});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<uint8_t>({1, 2}, {21, 33}));
  Tensor col_scales = MakeTensor<float>({2}, {1.0f, 10.0f});
  Tensor col_zp = MakeTensor<uint8_t>({2}, {1, 1});
  auto per_col = RunNode(MakeNode("QLinearMatMul", 8), 21,
                         {&a, &a_scale, &a_zp, &b, &col_scales, &col_zp, &y_scale, &y_zp});
  ASSERT_TRUE(per_col.ok()) << per_col.status();
  ExpectTensorNear((*per_col)[0], MakeTensor<uint8_t>({1, 2}, {21, 255}));
  Tensor bad_scale = MakeTensor<float>({3}, {1, 1, 1});
  EXPECT_FALSE(RunNode(MakeNode("QLinearMatMul", 8), 10,
                       {&a, &bad_scale, &a_zp, &b, &b_scale, &b_zp, &y_scale, &y_zp})
                   .ok());
}

}  // namespace
}  // namespace berth::engine
