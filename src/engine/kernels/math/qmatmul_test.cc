// The int8 matmuls on oneDNN against the reference loops: MatMulInteger and QLinearMatMul with
// constant weights (the fast path) vs the same nodes with runtime weights (the reference),
// the vectorized DynamicQuantizeLinear arithmetic (and the kernel using it) against a scalar
// reference, and berth::DynamicQuantizeMatMul against the unfused ONNX pattern.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/math/dynamic_quantize.h"
#include "engine/kernels/math/matmul_util.h"
#include "engine/kernels/math/quant_util.h"
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

template <typename T>
Tensor RandomInts(Shape shape, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  Tensor t(DataTypeOf<T>::value, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<T>()[i] = static_cast<T>(dist(rng));
  return t;
}

Tensor RandomFloats(Shape shape, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// DynamicQuantizeLinear as ONNX defines it, element by element: the reference for the
// vectorized routines and for the kernel (which runs them over blocks, in parallel when large).
struct ReferenceDynamicQuant {
  float scale;
  uint8_t zero_point;
  std::vector<uint8_t> q;
};
ReferenceDynamicQuant ReferenceDynamicQuantize(const std::vector<float>& x) {
  float lo = 0.0f, hi = 0.0f;
  for (float v : x) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  ReferenceDynamicQuant r;
  r.scale = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  const int32_t zp =
      static_cast<int32_t>(std::nearbyint(std::clamp(0.0f - lo / r.scale, 0.0f, 255.0f)));
  r.zero_point = static_cast<uint8_t>(zp);
  for (float v : x) r.q.push_back(SaturateRound<uint8_t>(v / r.scale, zp));
  return r;
}

TEST(FastDynamicQuantizeTest, BitIdenticalToTheReference) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<std::vector<float>> cases = {{0.0f},
                                           {0.0f, 0.0f, 0.0f},
                                           {-1.0f, 1.0f},
                                           {2.5f, 7.0f, 0.25f},
                                           {NAN, 1.0f, -3.0f, NAN},
                                           {inf, 1.0f, 2.0f},
                                           {-5.0f, -4.0f, -3.0f}};
  // Up to sizes the kernel splits over threads (more than 65536 elements, ragged blocks).
  for (int n : {1, 15, 16, 17, 33, 1000, 4097, 200003}) {
    Tensor r = RandomFloats({n}, -3.0f, 5.0f, static_cast<uint32_t>(n));
    cases.emplace_back(r.data<float>(), r.data<float>() + n);
  }
  std::vector<float> extremes(100000, 1.0f);  // the range's ends in the last thread's blocks
  extremes[99999] = -7.0f;
  extremes[70001] = 9.0f;
  extremes[50000] = NAN;
  cases.push_back(extremes);
  for (const std::vector<float>& values : cases) {
    SCOPED_TRACE(::testing::Message() << "size " << values.size() << " first " << values[0]);
    const ReferenceDynamicQuant want = ReferenceDynamicQuantize(values);
    const DynamicQuantParams p = ComputeDynamicQuantParams(values.data(), values.size());
    EXPECT_EQ(p.scale, want.scale);
    EXPECT_EQ(p.zero_point, want.zero_point);
    std::vector<uint8_t> q(values.size());
    QuantizeToUint8(values.data(), values.size(), p, q.data());
    EXPECT_EQ(q, want.q);

    Tensor x = MakeTensor<float>({static_cast<int64_t>(values.size())}, values);
    auto kernel = RunNode(MakeNode("DynamicQuantizeLinear", 1, 3), 11, {&x});
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    EXPECT_EQ(*(*kernel)[1].data<float>(), want.scale);
    EXPECT_EQ(*(*kernel)[2].data<uint8_t>(), want.zero_point);
    const uint8_t* got = (*kernel)[0].data<uint8_t>();
    EXPECT_EQ(std::vector<uint8_t>(got, got + values.size()), want.q);
  }
}

struct IntCase {
  Shape a, b;
  DataType a_type, b_type;
  Shape a_zp, b_zp;  // {} = scalar; {-1} = absent; B's {-2}, {-3}: see IntegerInputs
};

Tensor RandomOfType(DataType t, const Shape& shape, uint32_t seed, bool narrow = false) {
  if (t == DataType::kUint8)
    return RandomInts<uint8_t>(shape, narrow ? 100 : 0, narrow ? 156 : 255, seed);
  return RandomInts<int8_t>(shape, narrow ? -28 : -128, narrow ? 28 : 127, seed);
}

std::string Describe(const IntCase& c) {
  return ShapeToString(c.a) + " x " + ShapeToString(c.b) + " " + DataTypeName(c.a_type) + "/" +
         DataTypeName(c.b_type) + " zp " + ShapeToString(c.a_zp) + "/" + ShapeToString(c.b_zp);
}

std::vector<IntCase> IntegerCases() {
  const DataType u8 = DataType::kUint8, s8 = DataType::kInt8;
  return {
      {{128, 256}, {256, 768}, u8, s8, {}, {}},        // oneDNN, scalar zero points
      {{1, 128, 256}, {256, 64}, u8, s8, {}, {-1}},    // no B zero point
      {{2, 3, 40, 64}, {64, 48}, u8, s8, {40}, {48}},  // batch dims, per-row / per-column
      {{240, 64}, {64, 48}, u8, s8, {240}, {}},        // per-row over all rows
      {{96, 64}, {64, 100}, u8, u8, {}, {}},           // uint8 B near its zero point
      {{96, 64}, {64, 100}, s8, s8, {-1}, {}},         // int8 A
      {{96, 64}, {64, 100}, u8, u8, {}, {-2}},         // uint8 B, zero point 0: a residue
      {{2, 96, 64}, {64, 100}, u8, u8, {96}, {-3}},    // uint8 B, zero points anywhere
      {{4, 64}, {64, 10}, u8, s8, {}, {}},             // small: the loop
      {{64}, {64, 32}, u8, s8, {}, {}},                // 1-D A
      {{0, 64}, {64, 32}, u8, s8, {}, {}},             // empty
  };
}

// Zero points: B's near the middle of its values so that B - zp fits int8 for uint8 B.
std::vector<Tensor> IntegerInputs(const IntCase& c, uint32_t seed) {
  std::vector<Tensor> t;
  t.push_back(RandomOfType(c.a_type, c.a, seed));
  t.push_back(RandomOfType(c.b_type, c.b, seed + 1, c.b_type == DataType::kUint8));
  t.push_back(c.a_zp == Shape{-1} ? Tensor() : RandomOfType(c.a_type, c.a_zp, seed + 2));
  if (c.b_zp == Shape{-1}) {
    t.emplace_back();
  } else if (c.b_zp == Shape{-2}) {  // full-range uint8 B, zero point 0
    t[1] = RandomOfType(c.b_type, c.b, seed + 1);
    t.push_back(MakeTensor<uint8_t>({}, {0}));
  } else if (c.b_zp == Shape{-3}) {  // full-range uint8 B, per-column zero points anywhere
    t[1] = RandomOfType(c.b_type, c.b, seed + 1);
    t.push_back(RandomInts<uint8_t>({c.b[1]}, 0, 255, seed + 3));
  } else if (c.b_type == DataType::kUint8) {
    t.push_back(RandomInts<uint8_t>(c.b_zp, 120, 136, seed + 3));
  } else {
    t.push_back(RandomInts<int8_t>(c.b_zp, -3, 3, seed + 3));
  }
  return t;
}

TEST(MatMulIntegerFastTest, MatchesTheReferenceExactly) {
  uint32_t seed = 1;
  for (const IntCase& c : IntegerCases()) {
    SCOPED_TRACE(Describe(c));
    std::vector<Tensor> in = IntegerInputs(c, seed += 10);
    std::vector<const Tensor*> ptrs;
    for (Tensor& t : in) ptrs.push_back(t.dtype() == DataType::kUndefined ? nullptr : &t);
    while (!ptrs.empty() && ptrs.back() == nullptr) ptrs.pop_back();
    Node node = MakeNode("MatMulInteger", static_cast<int>(ptrs.size()));
    for (size_t i = 0; i < ptrs.size(); ++i) {
      if (ptrs[i] == nullptr) node.inputs[i] = "";
    }
    auto ref = RunNode(node, 10, ptrs, /*as_constants=*/false);
    auto fast = RunNode(node, 10, ptrs, /*as_constants=*/true);
    ASSERT_TRUE(ref.ok()) << ref.status();
    ASSERT_TRUE(fast.ok()) << fast.status();
    ExpectTensorNear((*fast)[0], (*ref)[0], 0.0, 0.0);
  }
}

TEST(QLinearMatMulFastTest, MatchesTheReferenceExactly) {
  uint32_t seed = 7;
  for (const IntCase& c : IntegerCases()) {
    if (c.a_zp == Shape{-1} || c.b_zp == Shape{-1}) continue;  // QLinearMatMul needs them
    SCOPED_TRACE(Describe(c));
    std::vector<Tensor> q = IntegerInputs(c, seed += 10);
    const int64_t m = c.a.size() > 1 ? c.a[c.a.size() - 2] : 1, n = c.b[1];
    Tensor a_scale =
        c.a_zp.empty() ? MakeTensor<float>({}, {0.02f}) : RandomFloats({m}, 0.01f, 0.03f, seed + 4);
    Tensor b_scale = q[3].num_elements() == 1 ? MakeTensor<float>({}, {0.005f})
                                              : RandomFloats({n}, 0.004f, 0.006f, seed + 5);
    // a_scale per row needs a_zp per row of one matrix: the cases with all rows are skipped.
    if (!c.a_zp.empty() && c.a_zp[0] != m) continue;
    Tensor y_scale = MakeTensor<float>({}, {0.5f});
    Tensor y_zp = MakeTensor<uint8_t>({}, {128});
    std::vector<const Tensor*> in = {&q[0],    &a_scale, &q[2],    &q[1],
                                     &b_scale, &q[3],    &y_scale, &y_zp};
    Node node = MakeNode("QLinearMatMul", 8);
    auto ref = RunNode(node, 10, in, false);
    auto fast = RunNode(node, 10, in, true);
    ASSERT_TRUE(ref.ok()) << ref.status();
    ASSERT_TRUE(fast.ok()) << fast.status();
    ExpectTensorNear((*fast)[0], (*ref)[0], 0.0, 0.0);
  }
}

struct FusedCase {
  Shape x;
  int64_t n;
  bool per_column_scale, bias, residual, residual_first;
  std::string activation;
  Shape residual_shape;  // empty: the output's
};

// The unfused pattern on the reference kernels: DynamicQuantizeLinear, MatMulInteger, then
// the float epilogue.
Tensor Reference(const Tensor& x, const Tensor& w, const Tensor& w_scale, const Tensor& w_zp,
                 const Tensor* bias, const Tensor* residual, const FusedCase& c) {
  auto q = RunNode(MakeNode("DynamicQuantizeLinear", 1, 3), 11, {&x});
  EXPECT_TRUE(q.ok()) << q.status();
  auto p = RunNode(MakeNode("MatMulInteger", 4), 10, {&(*q)[0], &w, &(*q)[2], &w_zp}, false);
  EXPECT_TRUE(p.ok()) << p.status();
  const Tensor& prod = (*p)[0];
  Tensor y(DataType::kFloat, prod.shape());
  const float xs = *(*q)[1].data<float>();
  for (int64_t e = 0; e < y.num_elements(); ++e) {
    const int64_t col = e % c.n;
    const float s = xs * w_scale.data<float>()[w_scale.num_elements() == 1 ? 0 : col];
    y.data<float>()[e] = static_cast<float>(prod.data<int32_t>()[e]) * s;
  }
  MatMulEpilogue epi;
  auto act = ParseActivation("test", c.activation);
  EXPECT_TRUE(act.ok());
  epi.activation = *act;
  epi.residual_before_activation = c.residual_first;
  ApplyEpilogue(y.data<float>(), y.shape(), bias, residual, epi);
  return y;
}

TEST(DynamicQuantizeMatMulTest, MatchesTheUnfusedPattern) {
  const std::vector<FusedCase> cases = {
      {{1, 128, 256}, 768, false, true, false, false, "", {}},
      {{1, 128, 256}, 256, true, true, true, false, "", {}},
      {{2, 64, 128}, 512, false, true, false, false, "Gelu", {}},
      {{64, 128}, 96, true, false, true, true, "Relu", {}},
      {{3, 20, 64}, 48, false, true, true, false, "Tanh", {20, 48}},  // broadcast residual
      {{1, 64}, 256, false, true, false, false, "Relu", {}},          // batch-1 MLP: the loop
      {{64}, 10, true, true, false, false, "", {}},                   // 1-D X
      {{0, 64}, 10, false, true, false, false, "", {}},               // empty
  };
  uint32_t seed = 100;
  for (const FusedCase& c : cases) {
    SCOPED_TRACE(ShapeToString(c.x) + " n " + std::to_string(c.n) + " " + c.activation);
    const int64_t k = c.x.back();
    Tensor x = RandomFloats(c.x, -2.0f, 3.0f, seed += 10);
    Tensor w = RandomInts<int8_t>({k, c.n}, -127, 127, seed + 1);
    Tensor w_scale = c.per_column_scale ? RandomFloats({c.n}, 0.001f, 0.01f, seed + 2)
                                        : MakeTensor<float>({}, {0.004f});
    Tensor w_zp = MakeTensor<int8_t>({}, {0});
    Tensor bias = RandomFloats({c.n}, -1.0f, 1.0f, seed + 3);
    Shape out_shape = c.x;
    out_shape.back() = c.n;
    Tensor residual =
        RandomFloats(c.residual_shape.empty() ? out_shape : c.residual_shape, -1, 1, seed + 4);
    const Tensor* b = c.bias ? &bias : nullptr;
    const Tensor* r = c.residual ? &residual : nullptr;
    Tensor expected = Reference(x, w, w_scale, w_zp, b, r, c);

    std::map<std::string, Attribute> attrs;
    if (!c.activation.empty()) attrs["activation"] = StringAttr(c.activation);
    if (c.residual_first) attrs["residual_before_activation"] = IntAttr(1);
    Node node = MakeNode("DynamicQuantizeMatMul", c.residual ? 6 : 5, 1, attrs);
    node.domain = "berth";
    if (!c.bias) node.inputs[4] = "";
    std::vector<const Tensor*> in = {&x, &w, &w_scale, &w_zp, b};
    if (c.residual) in.push_back(r);
    auto got = RunNode(node, 1, in, /*as_constants=*/true);
    ASSERT_TRUE(got.ok()) << got.status();
    double max_abs = 0.0;
    for (int64_t e = 0; e < expected.num_elements(); ++e) {
      max_abs = std::max(max_abs, std::abs(double{expected.data<float>()[e]}));
    }
    // The zero-point correction is applied in float: rounding of the order of 1e-6 relative.
    ExpectTensorNear((*got)[0], expected, 1e-5 * std::max(max_abs, 1.0), 1e-5);
  }
}

TEST(DynamicQuantizeMatMulTest, Uint8WeightsWithAZeroPoint) {
  // Full-range uint8 weights with zero point 37: stored as W - 128, with a residual zero point
  // of -91 applied per row. oneDNN (128 rows) and the loop (2 rows).
  for (const Shape& xs : {Shape{1, 128, 256}, Shape{2, 64}}) {
    SCOPED_TRACE(ShapeToString(xs));
    const int64_t k = xs.back(), n = 96;
    FusedCase c{xs, n, true, true, false, false, "Relu", {}};
    Tensor x = RandomFloats(xs, -2.0f, 3.0f, 11);
    Tensor w = RandomInts<uint8_t>({k, n}, 0, 255, 12);
    Tensor w_scale = RandomFloats({n}, 0.001f, 0.01f, 13);
    Tensor w_zp = MakeTensor<uint8_t>({}, {37});
    Tensor bias = RandomFloats({n}, -1.0f, 1.0f, 14);
    Tensor expected = Reference(x, w, w_scale, w_zp, &bias, nullptr, c);
    Node node = MakeNode("DynamicQuantizeMatMul", 5, 1, {{"activation", StringAttr("Relu")}});
    node.domain = "berth";
    auto got = RunNode(node, 1, {&x, &w, &w_scale, &w_zp, &bias}, true);
    ASSERT_TRUE(got.ok()) << got.status();
    double max_abs = 1.0;
    for (int64_t e = 0; e < expected.num_elements(); ++e) {
      max_abs = std::max(max_abs, std::abs(double{expected.data<float>()[e]}));
    }
    ExpectTensorNear((*got)[0], expected, 1e-5 * max_abs, 1e-5);
  }
}

TEST(DynamicQuantizeMatMulTest, RefusesBadWeightsAndBias) {
  Tensor x = RandomFloats({4, 8}, -1, 1, 1);
  Tensor w = RandomInts<int8_t>({8, 6}, -127, 127, 2);
  Tensor scale = MakeTensor<float>({}, {0.01f});
  Node node = MakeNode("DynamicQuantizeMatMul", 3);
  node.domain = "berth";
  // Weights given at run time, not as constants.
  EXPECT_FALSE(RunNode(node, 1, {&x, &w, &scale}, false).ok());
  // uint8 weights whose per-column zero points leave different residues once shifted.
  Tensor wu = RandomInts<uint8_t>({8, 6}, 200, 255, 3);
  Tensor zp = MakeTensor<uint8_t>({6}, {0, 128, 0, 128, 0, 128});
  Node with_zp = MakeNode("DynamicQuantizeMatMul", 4);
  with_zp.domain = "berth";
  EXPECT_EQ(RunNode(with_zp, 1, {&x, &wu, &scale, &zp}, true).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A scale of the wrong length, a bias that is not per column.
  Tensor bad_scale = MakeTensor<float>({4}, {1, 1, 1, 1});
  EXPECT_FALSE(RunNode(node, 1, {&x, &w, &bad_scale}, true).ok());
  Node with_bias = MakeNode("DynamicQuantizeMatMul", 5);
  with_bias.domain = "berth";
  with_bias.inputs[3] = "";
  Tensor bias = RandomFloats({4, 6}, -1, 1, 4);
  auto r = RunNode(with_bias, 1, {&x, &w, &scale, nullptr, &bias}, true);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  // X of the wrong inner dimension.
  Tensor x_bad = RandomFloats({4, 7}, -1, 1, 5);
  EXPECT_FALSE(RunNode(node, 1, {&x_bad, &w, &scale}, true).ok());
}

}  // namespace
}  // namespace berth::engine
