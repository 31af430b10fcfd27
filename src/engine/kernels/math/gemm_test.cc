// Gemm and berth::FusedMatMul against naive reference loops and the unfused ops.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/math/matmul_util.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

std::vector<float> RandomFloats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Gemm reference: alpha * op(A) op(B) + beta * C (C broadcast).
Tensor NaiveGemm(const Tensor& a, const Tensor& b, const Tensor* c, bool ta, bool tb, float alpha,
                 float beta) {
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  Tensor out(DataType::kFloat, {m, n});
  Shape cs = c ? BroadcastStrides(c->shape(), Shape{m, n}) : Shape{0, 0};
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        float av = ta ? a.data<float>()[kk * m + i] : a.data<float>()[i * k + kk];
        float bv = tb ? b.data<float>()[j * k + kk] : b.data<float>()[kk * n + j];
        s += double(av) * bv;
      }
      double v = alpha * s;
      if (c) v += beta * c->data<float>()[i * cs[0] + j * cs[1]];
      out.data<float>()[i * n + j] = static_cast<float>(v);
    }
  }
  return out;
}

struct GemmCase {
  bool ta, tb;
  float alpha, beta;
  Shape c;  // empty vector with has_c false = no C
  bool has_c;
};

class GemmTest : public ::testing::TestWithParam<std::tuple<GemmCase, bool>> {};

TEST_P(GemmTest, MatchesNaiveLoop) {
  const auto& [gc, constant] = GetParam();
  const int64_t m = 5, k = 37, n = 19;
  Shape as = gc.ta ? Shape{k, m} : Shape{m, k};
  Shape bs = gc.tb ? Shape{n, k} : Shape{k, n};
  Tensor a = MakeTensor<float>(as, RandomFloats(m * k, 3));
  Tensor b = MakeTensor<float>(bs, RandomFloats(k * n, 4));
  Tensor c = MakeTensor<float>(gc.c, RandomFloats(NumElementsOf(gc.c), 5));
  Node node = MakeNode("Gemm", gc.has_c ? 3 : 2, 1,
                       {{"transA", IntAttr(gc.ta)},
                        {"transB", IntAttr(gc.tb)},
                        {"alpha", FloatAttr(gc.alpha)},
                        {"beta", FloatAttr(gc.beta)}});
  std::vector<const Tensor*> inputs = {&a, &b};
  if (gc.has_c) inputs.push_back(&c);
  auto r = RunNode(node, 13, inputs, constant);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0],
                   NaiveGemm(a, b, gc.has_c ? &c : nullptr, gc.ta, gc.tb, gc.alpha, gc.beta), 1e-4,
                   1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Attributes, GemmTest,
    ::testing::Combine(::testing::Values(GemmCase{false, false, 1, 1, {5, 19}, true},
                                         GemmCase{true, false, 0.5f, 1, {19}, true},
                                         GemmCase{false, true, 1, 2, {5, 1}, true},
                                         GemmCase{true, true, 2, 0.25f, {}, true},
                                         GemmCase{false, true, 1, 0, {1, 19}, true},
                                         GemmCase{false, false, 3, 1, {}, false}),
                       ::testing::Bool()));

TEST(GemmOpsetTest, OldBroadcastAttribute) {
  Tensor a = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<float>({2, 2}, {1, 0, 0, 1});
  Tensor c = MakeTensor<float>({2}, {10, 20});
  auto no_bcast = RunNode(MakeNode("Gemm", 3), 6, {&a, &b, &c});
  EXPECT_EQ(no_bcast.status().code(), absl::StatusCode::kInvalidArgument);
  auto bcast = RunNode(MakeNode("Gemm", 3, 1, {{"broadcast", IntAttr(1)}}), 6, {&a, &b, &c});
  ASSERT_TRUE(bcast.ok()) << bcast.status();
  ExpectTensorNear((*bcast)[0], MakeTensor<float>({2, 2}, {11, 22, 13, 24}));
  auto v7 = RunNode(MakeNode("Gemm", 3), 7, {&a, &b, &c});
  ASSERT_TRUE(v7.ok()) << v7.status();
  ExpectTensorNear((*v7)[0], MakeTensor<float>({2, 2}, {11, 22, 13, 24}));
  EXPECT_FALSE(RunNode(MakeNode("Gemm", 2), 9, {&a, &b}).ok());  // C required before 11
  EXPECT_TRUE(RunNode(MakeNode("Gemm", 2), 11, {&a, &b}).ok());
}

TEST(GemmOpsetTest, IntegerTypesAndErrors) {
  Tensor a = MakeTensor<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<int64_t>({2, 2}, {5, 6, 7, 8});
  Tensor c = MakeTensor<int64_t>({1}, {100});
  auto r = RunNode(MakeNode("Gemm", 3), 13, {&a, &b, &c});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<int64_t>({2, 2}, {119, 122, 143, 150}));
  Tensor f3 = MakeTensor<float>({1, 2, 2}, {1, 2, 3, 4});
  Tensor f2 = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(RunNode(MakeNode("Gemm", 2), 13, {&f3, &f2}).ok());
  Tensor bad_c = MakeTensor<float>({3}, {1, 2, 3});
  EXPECT_FALSE(RunNode(MakeNode("Gemm", 3), 13, {&f2, &f2, &bad_c}).ok());
}

Node FusedNode(int inputs, std::map<std::string, Attribute> attrs) {
  Node node = MakeNode("FusedMatMul", inputs, 1, std::move(attrs));
  node.domain = "berth";
  return node;
}

float Act(const std::string& name, float x) {
  if (name == "Relu") return x > 0 ? x : 0;
  if (name == "Gelu") return 0.5f * x * (1 + std::erf(x / std::sqrt(2.0f)));
  if (name == "GeluTanh") {
    return 0.5f * x * (1 + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
  }
  if (name == "Tanh") return std::tanh(x);
  if (name == "Sigmoid") return 1 / (1 + std::exp(-x));
  return x;
}

class FusedMatMulTest
    : public ::testing::TestWithParam<std::tuple<std::string, bool, bool, Shape>> {};

// Compares FusedMatMul with MatMul followed by the unfused epilogue computed here.
TEST_P(FusedMatMulTest, MatchesUnfusedOps) {
  const auto& [activation, residual_first, constant, bias_shape] = GetParam();
  const Shape as = {2, 6, 24}, bs = {24, 40}, out_shape = {2, 6, 40};
  Tensor a = MakeTensor<float>(as, RandomFloats(NumElementsOf(as), 7));
  Tensor b = MakeTensor<float>(bs, RandomFloats(NumElementsOf(bs), 8));
  Tensor bias = MakeTensor<float>(bias_shape, RandomFloats(NumElementsOf(bias_shape), 9));
  Tensor residual = MakeTensor<float>(out_shape, RandomFloats(NumElementsOf(out_shape), 10));
  auto product = RunNode(MakeNode("MatMul", 2), 13, {&a, &b});
  ASSERT_TRUE(product.ok()) << product.status();
  Tensor expected = (*product)[0].Clone();
  Shape bias_strides = BroadcastStrides(bias_shape, out_shape);
  const float alpha = 0.75f, beta = 1.5f;
  for (int64_t i = 0; i < expected.num_elements(); ++i) {
    int64_t rem = i, off = 0;
    for (int d = 2; d >= 0; --d) {
      off += (rem % out_shape[d]) * bias_strides[d];
      rem /= out_shape[d];
    }
    float v = alpha * expected.data<float>()[i] + beta * bias.data<float>()[off];
    if (residual_first) v += residual.data<float>()[i];
    v = Act(activation, v);
    if (!residual_first) v += residual.data<float>()[i];
    expected.data<float>()[i] = v;
  }
  Node node = FusedNode(4, {{"activation", StringAttr(activation)},
                            {"alpha", FloatAttr(alpha)},
                            {"beta", FloatAttr(beta)},
                            {"residual_before_activation", IntAttr(residual_first)}});
  auto fused = RunNode(node, 1, {&a, &b, &bias, &residual}, constant);
  ASSERT_TRUE(fused.ok()) << fused.status();
  ExpectTensorNear((*fused)[0], expected, 1e-4, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Epilogues, FusedMatMulTest,
    ::testing::Combine(::testing::Values("", "Relu", "Gelu", "GeluTanh", "Tanh", "Sigmoid"),
                       ::testing::Bool(), ::testing::Bool(),
                       ::testing::Values(Shape{40}, Shape{6, 1}, Shape{2, 6, 40})));

TEST(FusedMatMulOpTest, GemmPlusReluWithTransposedWeights) {
  Tensor a = MakeTensor<float>({2, 3}, {1, -2, 3, -4, 5, -6});
  Tensor bt = MakeTensor<float>({2, 3}, {1, 1, 1, -1, 0, 1});
  Tensor bias = MakeTensor<float>({2}, {0.5f, -0.5f});
  auto r = RunNode(FusedNode(3, {{"transB", IntAttr(1)}, {"activation", StringAttr("Relu")}}), 1,
                   {&a, &bt, &bias}, true);
  ASSERT_TRUE(r.ok()) << r.status();
  // rows of A.B^T: [2, 2], [-5, -2]; + bias; relu.
  ExpectTensorNear((*r)[0], MakeTensor<float>({2, 2}, {2.5f, 1.5f, 0, 0}));
}

TEST(FusedMatMulOpTest, RejectsBadAttributesAndShapes) {
  Tensor a = MakeTensor<float>({2, 3}, std::vector<float>(6, 1));
  Tensor b = MakeTensor<float>({3, 2}, std::vector<float>(6, 1));
  EXPECT_EQ(
      RunNode(FusedNode(2, {{"activation", StringAttr("Swish")}}), 1, {&a, &b}).status().code(),
      absl::StatusCode::kInvalidArgument);
  Tensor bad_bias = MakeTensor<float>({3}, {1, 2, 3});
  EXPECT_FALSE(RunNode(FusedNode(3, {}), 1, {&a, &b, &bad_bias}).ok());
  Tensor bad_res = MakeTensor<float>({3, 2}, std::vector<float>(6, 1));
  EXPECT_FALSE(RunNode(FusedNode(4, {}), 1, {&a, &b, nullptr, &bad_res}).ok());
}

}  // namespace
}  // namespace berth::engine
