// MatMul against a naive reference loop: shapes, types, constant weights, threads.
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/kernels/math/matmul_util.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

std::vector<float> RandomFloats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Naive numpy.matmul for 2-D-or-more operands with equal ranks (batch broadcast allowed).
std::vector<double> NaiveMatMul(const std::vector<float>& a, const Shape& as,
                                const std::vector<float>& b, const Shape& bs, Shape* out_shape) {
  const size_t r = as.size();
  const int64_t m = as[r - 2], k = as[r - 1], n = bs[r - 1];
  Shape batch(r - 2);
  for (size_t i = 0; i + 2 < r; ++i) batch[i] = std::max(as[i], bs[i]);
  *out_shape = batch;
  out_shape->push_back(m);
  out_shape->push_back(n);
  const int64_t nb = NumElementsOf(batch);
  std::vector<double> out(nb * m * n, 0.0);
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t rem = bi, ao = 0, bo = 0, astr = 1, bstr = 1;
    for (int d = static_cast<int>(r) - 3; d >= 0; --d) {
      int64_t idx = rem % batch[d];
      rem /= batch[d];
      ao += (as[d] == 1 ? 0 : idx) * astr;
      bo += (bs[d] == 1 ? 0 : idx) * bstr;
      astr *= as[d];
      bstr *= bs[d];
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t kk = 0; kk < k; ++kk) {
          s += double(a[(ao * m + i) * k + kk]) * double(b[(bo * k + kk) * n + j]);
        }
        out[(bi * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

Tensor FromDoubles(const Shape& shape, const std::vector<double>& v) {
  std::vector<float> f(v.begin(), v.end());
  return MakeTensor<float>(shape, f);
}

struct MatMulCase {
  Shape a, b;
};

class MatMulRandomTest : public ::testing::TestWithParam<std::tuple<MatMulCase, bool>> {};

TEST_P(MatMulRandomTest, MatchesNaiveLoop) {
  const auto& [c, constant] = GetParam();
  auto av = RandomFloats(NumElementsOf(c.a), 1);
  auto bv = RandomFloats(NumElementsOf(c.b), 2);
  Tensor a = MakeTensor<float>(c.a, av), b = MakeTensor<float>(c.b, bv);
  Shape out_shape;
  auto expected = NaiveMatMul(av, c.a, bv, c.b, &out_shape);
  auto result = RunNode(MakeNode("MatMul", 2), 13, {&a, &b}, constant);
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectTensorNear((*result)[0], FromDoubles(out_shape, expected), 1e-4, 1e-4);
  // Run twice more through the same path: the cached primitive must give the same answer.
  auto again = RunNode(MakeNode("MatMul", 2), 13, {&a, &b}, constant);
  ASSERT_TRUE(again.ok());
  ExpectTensorNear((*again)[0], (*result)[0], 0, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMulRandomTest,
    ::testing::Combine(::testing::Values(MatMulCase{{3, 4}, {4, 5}},
                                         MatMulCase{{1, 300}, {300, 200}},
                                         MatMulCase{{64, 96}, {96, 130}},
                                         MatMulCase{{2, 7, 33}, {1, 33, 17}},
                                         MatMulCase{{1, 3, 8, 16}, {2, 1, 16, 8}},
                                         MatMulCase{{2, 5, 40}, {2, 40, 3}},
                                         MatMulCase{{1, 128, 64}, {1, 64, 96}}),
                       ::testing::Bool()));

TEST(MatMulTest, VectorOperandsFollowNumpy) {
  Tensor v = MakeTensor<float>({3}, {1, 2, 3});
  Tensor m = MakeTensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor mt = MakeTensor<float>({2, 3}, {1, 3, 5, 2, 4, 6});
  auto vm = RunNode(MakeNode("MatMul", 2), 13, {&v, &m});
  ASSERT_TRUE(vm.ok()) << vm.status();
  ExpectTensorNear((*vm)[0], MakeTensor<float>({2}, {22, 28}));
  auto mv = RunNode(MakeNode("MatMul", 2), 13, {&mt, &v});
  ASSERT_TRUE(mv.ok()) << mv.status();
  ExpectTensorNear((*mv)[0], MakeTensor<float>({2}, {22, 28}));
  auto vv = RunNode(MakeNode("MatMul", 2), 1, {&v, &v});
  ASSERT_TRUE(vv.ok()) << vv.status();
  ExpectTensorNear((*vv)[0], MakeTensor<float>({}, {14}));
  Tensor batched = MakeTensor<float>({2, 3, 2}, {1, 2, 3, 4, 5, 6, 0, 1, 0, 1, 0, 1});
  auto vb = RunNode(MakeNode("MatMul", 2), 13, {&v, &batched});
  ASSERT_TRUE(vb.ok()) << vb.status();
  ExpectTensorNear((*vb)[0], MakeTensor<float>({2, 2}, {22, 28, 0, 6}));
}

TEST(MatMulTest, IntegerAndDoubleTypes) {
  Tensor a32 = MakeTensor<int32_t>({2, 2}, {1, 2, 3, 4});
  Tensor b32 = MakeTensor<int32_t>({2, 2}, {5, 6, 7, 8});
  auto r32 = RunNode(MakeNode("MatMul", 2), 9, {&a32, &b32});
  ASSERT_TRUE(r32.ok()) << r32.status();
  ExpectTensorNear((*r32)[0], MakeTensor<int32_t>({2, 2}, {19, 22, 43, 50}));
  Tensor a64 = MakeTensor<int64_t>({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b64 = MakeTensor<int64_t>({3, 1}, {1, 10, 100});
  auto r64 = RunNode(MakeNode("MatMul", 2), 13, {&a64, &b64});
  ASSERT_TRUE(r64.ok()) << r64.status();
  ExpectTensorNear((*r64)[0], MakeTensor<int64_t>({1, 2, 1}, {321, 654}));
  Tensor ad = MakeTensor<double>({1, 2}, {0.5, 0.25});
  Tensor bd = MakeTensor<double>({2, 1}, {2, 4});
  auto rd = RunNode(MakeNode("MatMul", 2), 13, {&ad, &bd});
  ASSERT_TRUE(rd.ok()) << rd.status();
  ExpectTensorNear((*rd)[0], MakeTensor<double>({1, 1}, {2}));
}

TEST(MatMulTest, RejectsBadShapesWithoutCrashing) {
  Tensor a = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto r = RunNode(MakeNode("MatMul", 2), 13, {&a, &b});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("MatMul"), std::string::npos);
  Tensor s = MakeTensor<float>({}, {1});
  EXPECT_FALSE(RunNode(MakeNode("MatMul", 2), 13, {&s, &b}).ok());
  Tensor x = MakeTensor<float>({2, 2, 3}, std::vector<float>(12, 1));
  Tensor y = MakeTensor<float>({3, 3, 2}, std::vector<float>(18, 1));
  EXPECT_FALSE(RunNode(MakeNode("MatMul", 2), 13, {&x, &y}).ok());
  Tensor i = MakeTensor<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(RunNode(MakeNode("MatMul", 2), 13, {&a, &i}).ok());
}

// One kernel object serves several threads at once, each with its own shapes, so the
// per-shape primitive cache is hit concurrently from different keys.
TEST(MatMulTest, ConcurrentComputeOnOneKernel) {
  Node node = MakeNode("MatMul", 2);
  const std::vector<float> bv = RandomFloats(128 * 96, 11);
  Tensor b = MakeTensor<float>({128, 96}, bv);
  KernelInfo info(node, 13, {DataType::kFloat, DataType::kFloat}, {nullptr, &b});
  auto def = GlobalKernelRegistry().Find("", "MatMul", 13, {DataType::kFloat, DataType::kFloat});
  ASSERT_TRUE(def.ok());
  auto kernel = (*def)->factory(info);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const Shape as = {t + 1, 8 * (t + 1), 128};
      const std::vector<float> av = RandomFloats(NumElementsOf(as), 20 + t);
      Tensor a = MakeTensor<float>(as, av);
      Shape out_shape;
      const std::vector<double> expected = NaiveMatMul(av, as, bv, {1, 128, 96}, &out_shape);
      for (int iter = 0; iter < 20; ++iter) {
        StandaloneContext ctx({&a, &b}, info.output_types(), {true});
        if (!(*kernel)->Compute(ctx).ok()) {
          ++failures[t];
          continue;
        }
        const Tensor& y = ctx.outputs()[0];
        for (int64_t i = 0; i < y.num_elements(); ++i) {
          if (std::fabs(y.data<float>()[i] - expected[i]) > 1e-4) {
            ++failures[t];
            break;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// Large constant weights are packed at load when oneDNN prefers a blocked layout for them (on
// AVX-512 machines; on AVX2 ones its preferred layout is the plain one), and the original is
// then handed back to the runtime, which passes no B at all. Either way the product is right.
TEST(MatMulTest, ConsumedConstantWeights) {
  struct Case {
    std::string op;
    Shape a, b;
    std::map<std::string, Attribute> attrs;
  };
  const std::vector<Case> cases = {
      {"MatMul", {2, 5, 256}, {256, 300}, {}},
      {"Gemm", {3, 256}, {300, 256}, {{"transB", IntAttr(1)}}},
  };
  for (const Case& c : cases) {
    const std::vector<float> av = RandomFloats(NumElementsOf(c.a), 30);
    const std::vector<float> bv = RandomFloats(NumElementsOf(c.b), 31);
    Tensor a = MakeTensor<float>(c.a, av), b = MakeTensor<float>(c.b, bv);
    auto expected = RunNode(MakeNode(c.op, 2, 1, c.attrs), 13, {&a, &b});
    ASSERT_TRUE(expected.ok()) << expected.status();
    Node node = MakeNode(c.op, 2, 1, c.attrs);
    KernelInfo info(node, 13, {DataType::kFloat, DataType::kFloat}, {nullptr, &b});
    auto def = GlobalKernelRegistry().Find("", c.op, 13, {DataType::kFloat, DataType::kFloat});
    ASSERT_TRUE(def.ok());
    auto kernel = (*def)->factory(info);
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    const bool consumed = info.constant_input_consumed(1);
    StandaloneContext ctx({&a, consumed ? nullptr : &b}, info.output_types(), {true});
    ASSERT_TRUE((*kernel)->Compute(ctx).ok()) << c.op;
    ExpectTensorNear(ctx.outputs()[0], (*expected)[0], 1e-4, 1e-4);
  }
}

TEST(MatMulTest, EmptyDimensions) {
  Tensor a(DataType::kFloat, {0, 4});
  Tensor b = MakeTensor<float>({4, 2}, std::vector<float>(8, 1));
  auto r = RunNode(MakeNode("MatMul", 2), 13, {&a, &b});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ShapeToString((*r)[0].shape()), "[0,2]");
  Tensor c(DataType::kFloat, {3, 0});
  Tensor d(DataType::kFloat, {0, 2});
  auto z = RunNode(MakeNode("MatMul", 2), 13, {&c, &d});
  ASSERT_TRUE(z.ok()) << z.status();
  ExpectTensorNear((*z)[0], MakeTensor<float>({3, 2}, std::vector<float>(6, 0)));
}

}  // namespace
}  // namespace berth::engine
