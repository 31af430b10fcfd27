// Binary kernels: arithmetic, Mod, Pow, comparisons, logic and bit ops; numpy and opset 1-6
// broadcasting; errors; the run-based kernel against per-element index arithmetic.
#include <omp.h>

#include <cmath>
#include <limits>
#include <random>

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

absl::StatusOr<Tensor> RunBinary(const std::string& op, int opset, const Tensor& a,
                                 const Tensor& b, std::map<std::string, Attribute> attrs = {}) {
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode(op, 2, 1, attrs), opset, {&a, &b});
  if (!out.ok()) return out.status();
  return std::move((*out)[0]);
}

TEST(BinaryTest, ArithmeticWithBroadcast) {
  Tensor a = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor row = MakeTensor<float>({3}, {10, 20, 30});
  Tensor col = MakeTensor<float>({2, 1}, {2, 4});
  ExpectTensorNear(*RunBinary("Add", 14, a, row),
                   MakeTensor<float>({2, 3}, {11, 22, 33, 14, 25, 36}));
  ExpectTensorNear(*RunBinary("Sub", 14, row, a),
                   MakeTensor<float>({2, 3}, {9, 18, 27, 6, 15, 24}));
  ExpectTensorNear(*RunBinary("Mul", 14, a, col), MakeTensor<float>({2, 3}, {2, 4, 6, 16, 20, 24}));
  ExpectTensorNear(*RunBinary("Div", 14, a, col),
                   MakeTensor<float>({2, 3}, {0.5f, 1, 1.5f, 1, 1.25f, 1.5f}));
  // Both sides broadcast: [2,1] with [3] gives [2,3].
  ExpectTensorNear(*RunBinary("Add", 14, col, row),
                   MakeTensor<float>({2, 3}, {12, 22, 32, 14, 24, 34}));
  Tensor scalar = MakeTensor<float>({}, {0.5f});
  ExpectTensorNear(*RunBinary("Mul", 7, scalar, a),
                   MakeTensor<float>({2, 3}, {0.5f, 1, 1.5f, 2, 2.5f, 3}));
}

TEST(BinaryTest, IntegerArithmeticWrapsAndNeverTraps) {
  Tensor a = MakeTensor<uint8_t>({4}, {250, 3, 7, 0});
  Tensor b = MakeTensor<uint8_t>({4}, {10, 5, 2, 0});
  ExpectTensorNear(*RunBinary("Add", 14, a, b), MakeTensor<uint8_t>({4}, {4, 8, 9, 0}));
  ExpectTensorNear(*RunBinary("Sub", 14, b, a), MakeTensor<uint8_t>({4}, {16, 2, 251, 0}));
  ExpectTensorNear(*RunBinary("Mul", 14, a, b), MakeTensor<uint8_t>({4}, {196, 15, 14, 0}));
  ExpectTensorNear(*RunBinary("Div", 14, a, b), MakeTensor<uint8_t>({4}, {25, 0, 3, 0}));
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  Tensor i = MakeTensor<int32_t>({4}, {kMin, -7, 7, 5});
  Tensor j = MakeTensor<int32_t>({4}, {-1, 2, -2, 0});
  ExpectTensorNear(*RunBinary("Div", 14, i, j), MakeTensor<int32_t>({4}, {kMin, -3, -3, 0}));
  ExpectTensorNear(*RunBinary("Mul", 14, i, j), MakeTensor<int32_t>({4}, {kMin, -14, -14, 0}));
  Tensor big = MakeTensor<int64_t>({1}, {std::numeric_limits<int64_t>::max()});
  ExpectTensorNear(*RunBinary("Add", 14, big, MakeTensor<int64_t>({1}, {1})),
                   MakeTensor<int64_t>({1}, {std::numeric_limits<int64_t>::min()}));
}

TEST(BinaryTest, ModSignConventions) {
  Tensor a = MakeTensor<int32_t>({6}, {-4, 7, 5, 4, -7, 8});
  Tensor b = MakeTensor<int32_t>({6}, {2, -3, 8, -2, 3, 5});
  ExpectTensorNear(*RunBinary("Mod", 13, a, b), MakeTensor<int32_t>({6}, {0, -2, 5, 0, 2, 3}));
  ExpectTensorNear(*RunBinary("Mod", 13, a, b, {{"fmod", IntAttr(1)}}),
                   MakeTensor<int32_t>({6}, {0, 1, 5, 0, -1, 3}));
  Tensor f = MakeTensor<float>({4}, {-4.3f, 7.2f, 5.0f, -0.0f});
  Tensor g = MakeTensor<float>({4}, {2.1f, -3.4f, 8.5f, 2.0f});
  ExpectTensorNear(*RunBinary("Mod", 13, f, g, {{"fmod", IntAttr(1)}}),
                   MakeTensor<float>({4}, {std::fmod(-4.3f, 2.1f), std::fmod(7.2f, -3.4f), 5.0f,
                                           -0.0f}));
  ExpectTensorNear(*RunBinary("Mod", 13, f, g),
                   MakeTensor<float>({4}, {-4.3f + 3 * 2.1f, 7.2f - 3 * 3.4f, 5.0f, 0.0f}),
                   1e-5);
  // Zero divisors and MIN % -1 give 0 rather than a trap.
  Tensor z = MakeTensor<int8_t>({2}, {-128, 5});
  ExpectTensorNear(*RunBinary("Mod", 13, z, MakeTensor<int8_t>({2}, {-1, 0})),
                   MakeTensor<int8_t>({2}, {0, 0}));
  EXPECT_FALSE(RunBinary("Mod", 13, a, b, {{"fmod", IntAttr(2)}}).ok());
  EXPECT_EQ(RunBinary("Mod", 9, a, b).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(BinaryTest, PowMixedTypes) {
  Tensor base = MakeTensor<float>({3}, {1, 2, 3});
  ExpectTensorNear(*RunBinary("Pow", 15, base, MakeTensor<float>({3}, {4, 5, 6})),
                   MakeTensor<float>({3}, {1, 32, 729}));
  ExpectTensorNear(*RunBinary("Pow", 15, base, MakeTensor<int64_t>({3}, {4, 5, 6})),
                   MakeTensor<float>({3}, {1, 32, 729}));
  ExpectTensorNear(*RunBinary("Pow", 15, base, MakeTensor<uint32_t>({}, {2})),
                   MakeTensor<float>({3}, {1, 4, 9}));
  ExpectTensorNear(*RunBinary("Pow", 15, base, MakeTensor<float>({}, {0.5f})),
                   MakeTensor<float>({3}, {1, std::sqrt(2.0f), std::sqrt(3.0f)}));
  Tensor ibase = MakeTensor<int64_t>({4}, {1, 2, 3, -2});
  ExpectTensorNear(*RunBinary("Pow", 15, ibase, MakeTensor<int64_t>({4}, {4, 5, 6, 3})),
                   MakeTensor<int64_t>({4}, {1, 32, 729, -8}));
  ExpectTensorNear(*RunBinary("Pow", 12, ibase, MakeTensor<float>({4}, {4, 5, 0.5f, 2})),
                   MakeTensor<int64_t>({4}, {1, 32, 1, 4}));
  ExpectTensorNear(*RunBinary("Pow", 15, MakeTensor<int32_t>({3}, {2, -1, 1}),
                              MakeTensor<int32_t>({3}, {-1, -3, -5})),
                   MakeTensor<int32_t>({3}, {0, -1, 1}));
  Tensor d = MakeTensor<double>({2}, {2, 9});
  ExpectTensorNear(*RunBinary("Pow", 7, d, MakeTensor<double>({2}, {0.5, 0.5})),
                   MakeTensor<double>({2}, {std::sqrt(2.0), 3}), 1e-15, 1e-15);
  EXPECT_EQ(RunBinary("Pow", 15, MakeTensor<uint8_t>({1}, {2}), base).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(BinaryTest, ComparisonsAndLogic) {
  Tensor a = MakeTensor<float>({4}, {1, 2, 3, NAN});
  Tensor b = MakeTensor<float>({}, {2});
  ExpectTensorNear(*RunBinary("Equal", 13, a, b),
                   MakeTensor<bool>({4}, {false, true, false, false}));
  ExpectTensorNear(*RunBinary("Greater", 13, a, b),
                   MakeTensor<bool>({4}, {false, false, true, false}));
  ExpectTensorNear(*RunBinary("Less", 9, a, b), MakeTensor<bool>({4}, {true, false, false, false}));
  ExpectTensorNear(*RunBinary("GreaterOrEqual", 16, a, b),
                   MakeTensor<bool>({4}, {false, true, true, false}));
  ExpectTensorNear(*RunBinary("LessOrEqual", 12, a, b),
                   MakeTensor<bool>({4}, {true, true, false, false}));
  Tensor s = MakeTensor<std::string>({3}, {"a", "bc", ""});
  Tensor t = MakeTensor<std::string>({1}, {"bc"});
  ExpectTensorNear(*RunBinary("Equal", 19, s, t), MakeTensor<bool>({3}, {false, true, false}));
  Tensor p = MakeTensor<bool>({2, 2}, {true, true, false, false});
  Tensor q = MakeTensor<bool>({2}, {true, false});
  ExpectTensorNear(*RunBinary("And", 7, p, q),
                   MakeTensor<bool>({2, 2}, {true, false, false, false}));
  ExpectTensorNear(*RunBinary("Or", 7, p, q), MakeTensor<bool>({2, 2}, {true, true, true, false}));
  ExpectTensorNear(*RunBinary("Xor", 7, p, q),
                   MakeTensor<bool>({2, 2}, {false, true, true, false}));
  Tensor u = MakeTensor<uint16_t>({2}, {7, 65535});
  ExpectTensorNear(*RunBinary("Equal", 13, u, MakeTensor<uint16_t>({2}, {7, 1})),
                   MakeTensor<bool>({2}, {true, false}));
  ExpectTensorNear(*RunBinary("Greater", 13, MakeTensor<Float16>({1}, {Float16(1.5f)}),
                              MakeTensor<Float16>({1}, {Float16(1.0f)})),
                   MakeTensor<bool>({1}, {true}));
}

TEST(BinaryTest, BitOps) {
  Tensor a = MakeTensor<uint8_t>({4}, {16, 4, 1, 255});
  Tensor s = MakeTensor<uint8_t>({4}, {1, 2, 7, 8});
  ExpectTensorNear(*RunBinary("BitShift", 11, a, s, {{"direction", StringAttr("LEFT")}}),
                   MakeTensor<uint8_t>({4}, {32, 16, 128, 0}));
  ExpectTensorNear(*RunBinary("BitShift", 11, a, s, {{"direction", StringAttr("RIGHT")}}),
                   MakeTensor<uint8_t>({4}, {8, 1, 0, 0}));
  Tensor big = MakeTensor<uint64_t>({2}, {1, 1});
  ExpectTensorNear(*RunBinary("BitShift", 11, big, MakeTensor<uint64_t>({2}, {63, 64}),
                              {{"direction", StringAttr("LEFT")}}),
                   MakeTensor<uint64_t>({2}, {uint64_t{1} << 63, 0}));
  EXPECT_FALSE(RunBinary("BitShift", 11, a, s).ok());
  EXPECT_FALSE(RunBinary("BitShift", 11, a, s, {{"direction", StringAttr("UP")}}).ok());
  Tensor x = MakeTensor<int32_t>({3}, {6, -1, 5});
  Tensor y = MakeTensor<int32_t>({3}, {3, 12, -8});
  ExpectTensorNear(*RunBinary("BitwiseAnd", 18, x, y), MakeTensor<int32_t>({3}, {2, 12, 0}));
  ExpectTensorNear(*RunBinary("BitwiseOr", 18, x, y), MakeTensor<int32_t>({3}, {7, -1, -3}));
  ExpectTensorNear(*RunBinary("BitwiseXor", 18, x, y), MakeTensor<int32_t>({3}, {5, -13, -3}));
}

TEST(BinaryTest, LegacyBroadcastAttributes) {
  Tensor a = MakeTensor<double>({2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectTensorNear(*RunBinary("Add", 6, a, MakeTensor<double>({3}, {10, 20, 30}),
                              {{"broadcast", IntAttr(1)}}),
                   MakeTensor<double>({2, 3}, {11, 22, 33, 14, 25, 36}));
  ExpectTensorNear(*RunBinary("Add", 6, a, MakeTensor<double>({2}, {10, 20}),
                              {{"broadcast", IntAttr(1)}, {"axis", IntAttr(0)}}),
                   MakeTensor<double>({2, 3}, {11, 12, 13, 24, 25, 26}));
  ExpectTensorNear(*RunBinary("Mul", 1, a, MakeTensor<double>({2, 1}, {2, 3}),
                              {{"broadcast", IntAttr(1)}, {"axis", IntAttr(0)}}),
                   MakeTensor<double>({2, 3}, {2, 4, 6, 12, 15, 18}));
  ExpectTensorNear(
      *RunBinary("Sub", 6, a, MakeTensor<double>({}, {1}), {{"broadcast", IntAttr(1)}}),
      MakeTensor<double>({2, 3}, {0, 1, 2, 3, 4, 5}));
  // Without broadcast=1 the shapes must be equal; opset 7 broadcasts the numpy way instead.
  Tensor row = MakeTensor<double>({3}, {1, 1, 1});
  EXPECT_EQ(RunBinary("Add", 6, a, row).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(RunBinary("Add", 7, a, row).ok());
  // The legacy rules are unidirectional: b cannot grow a.
  EXPECT_FALSE(RunBinary("Add", 6, row, a, {{"broadcast", IntAttr(1)}}).ok());
  EXPECT_FALSE(RunBinary("Add", 6, a, MakeTensor<double>({2}, {1, 2}),
                         {{"broadcast", IntAttr(1)}, {"axis", IntAttr(1)}}).ok());
  ExpectTensorNear(*RunBinary("Equal", 1, MakeTensor<int32_t>({2, 2}, {1, 2, 3, 4}),
                              MakeTensor<int32_t>({2}, {1, 4}), {{"broadcast", IntAttr(1)}}),
                   MakeTensor<bool>({2, 2}, {true, false, false, true}));
}

TEST(BinaryTest, Errors) {
  Tensor a = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  absl::StatusOr<Tensor> r = RunBinary("Add", 14, a, MakeTensor<float>({2}, {1, 2}));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("Add"), std::string::npos);
  EXPECT_EQ(RunBinary("Add", 14, a, MakeTensor<double>({1}, {1})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunBinary("Add", 14, MakeTensor<bool>({1}, {true}), MakeTensor<bool>({1}, {true}))
                .status()
                .code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunBinary("GreaterOrEqual", 11, a, a).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(RunNode(MakeNode("Add", 1), 14, {&a}).ok());
}

// The naive reference: every output element located by div/mod index arithmetic.
std::vector<float> NaiveAdd(const Shape& out, const Tensor& a, const Tensor& b) {
  int64_t n = NumElementsOf(out);
  std::vector<float> result(n);
  auto offset = [&](const Shape& in, int64_t linear) {
    std::vector<int64_t> idx(out.size());
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      idx[d] = linear % out[d];
      linear /= out[d];
    }
    int64_t off = 0;
    size_t shift = out.size() - in.size();
    for (size_t d = 0; d < in.size(); ++d) off = off * in[d] + (in[d] == 1 ? 0 : idx[d + shift]);
    return off;
  };
  for (int64_t i = 0; i < n; ++i) {
    result[i] = a.data<float>()[offset(a.shape(), i)] * 3 - b.data<float>()[offset(b.shape(), i)];
  }
  return result;
}

Tensor RandomTensor(const Shape& shape, std::mt19937& rng) {
  Tensor t(DataType::kFloat, shape);
  std::uniform_real_distribution<float> dist(-10, 10);
  for (float& v : t.span<float>()) v = dist(rng);
  return t;
}

TEST(BinaryTest, RandomBroadcastsMatchNaiveReference) {
  std::mt19937 rng(11);
  Tensor three = MakeTensor<float>({}, {3});
  for (int trial = 0; trial < 200; ++trial) {
    int rank = 1 + rng() % 5;
    Shape full;
    for (int d = 0; d < rank; ++d) full.push_back(1 + rng() % 5);
    Shape sa;
    Shape sb;
    for (int d = 0; d < rank; ++d) {
      sa.push_back(rng() % 3 ? full[d] : 1);
      sb.push_back(rng() % 3 ? full[d] : 1);
    }
    while (!sb.empty() && rng() % 3 == 0) sb.erase(sb.begin());
    Tensor a = RandomTensor(sa, rng);
    Tensor b = RandomTensor(sb, rng);
    Tensor scaled = *RunBinary("Mul", 14, a, three);
    absl::StatusOr<Tensor> got = RunBinary("Sub", 14, scaled, b);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectTensorNear(*got, MakeTensor<float>(got->shape(), NaiveAdd(got->shape(), a, b)));
  }
}

TEST(BinaryTest, LargeBroadcastsSplitAcrossThreads) {
  omp_set_num_threads(2);
  std::mt19937 rng(5);
  for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{
           {{300, 1000}, {1000}},         // bias add
           {{2, 64, 40, 40}, {64, 1, 1}},  // per-channel scale
           {{1, 200000}, {1, 200000}},     // residual add
           {{700, 1}, {1, 300}}}) {        // outer sum
    Tensor a = RandomTensor(sa, rng);
    Tensor b = RandomTensor(sb, rng);
    Tensor scaled = *RunBinary("Mul", 14, a, MakeTensor<float>({}, {3}));
    absl::StatusOr<Tensor> got = RunBinary("Sub", 14, scaled, b);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectTensorNear(*got, MakeTensor<float>(got->shape(), NaiveAdd(got->shape(), a, b)));
  }
  omp_set_num_threads(1);
}

}  // namespace
}  // namespace berth::engine
