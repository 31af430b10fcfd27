// Reduce* against a naive reference for many axis sets, plus opset handling of axes,
// keepdims, noop_with_empty_axes, empty-set reductions, integer types; ArgMax and ArgMin.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::IntsAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

// Naive reduction: every input element is mapped to its output element explicitly.
Tensor NaiveReduce(const std::string& op, const Tensor& x, std::vector<int64_t> axes,
                   bool keepdims) {
  const int r = x.rank();
  std::vector<bool> reduced(r, axes.empty());
  for (int64_t a : axes) reduced[a < 0 ? a + r : a] = true;
  Shape out_shape, kept_dims;
  for (int i = 0; i < r; ++i) {
    if (!reduced[i]) {
      out_shape.push_back(x.dim(i));
      kept_dims.push_back(x.dim(i));
    } else if (keepdims) {
      out_shape.push_back(1);
    }
  }
  const int64_t n_out = NumElementsOf(kept_dims);
  std::vector<double> acc(n_out, op == "ReduceProd" ? 1.0 : 0.0), max(n_out, -INFINITY);
  std::vector<double> min(n_out, INFINITY);
  int64_t count = 0;
  for (int64_t e = 0; e < x.num_elements(); ++e) {
    int64_t rem = e, o = 0, stride = 1;
    for (int d = r - 1; d >= 0; --d) {
      const int64_t i = rem % x.dim(d);
      rem /= x.dim(d);
      if (!reduced[d]) {
        o += i * stride;
        stride *= x.dim(d);
      }
    }
    const double v = x.data<float>()[e];
    if (o == 0) ++count;
    if (op == "ReduceProd") {
      acc[o] *= v;
    } else if (op == "ReduceL1") {
      acc[o] += std::fabs(v);
    } else if (op == "ReduceL2" || op == "ReduceSumSquare") {
      acc[o] += v * v;
    } else if (op == "ReduceLogSumExp") {
      acc[o] += std::exp(v);
    } else {
      acc[o] += v;
    }
    max[o] = std::max(max[o], v);
    min[o] = std::min(min[o], v);
  }
  Tensor y(DataType::kFloat, out_shape);
  for (int64_t o = 0; o < n_out; ++o) {
    double v = acc[o];
    if (op == "ReduceMean") v /= count;
    if (op == "ReduceL2") v = std::sqrt(v);
    if (op == "ReduceLogSum" || op == "ReduceLogSumExp") v = std::log(v);
    if (op == "ReduceMax") v = max[o];
    if (op == "ReduceMin") v = min[o];
    y.data<float>()[o] = static_cast<float>(v);
  }
  return y;
}

const char* kOps[] = {"ReduceSum",       "ReduceMean",     "ReduceMax", "ReduceMin",
                      "ReduceProd",      "ReduceL1",       "ReduceL2",  "ReduceLogSum",
                      "ReduceLogSumExp", "ReduceSumSquare"};

class ReduceOpTest
    : public ::testing::TestWithParam<std::tuple<const char*, std::vector<int64_t>, bool>> {};

TEST_P(ReduceOpTest, MatchesNaiveForAttributeAndInputAxes) {
  const auto& [op, axes, keepdims] = GetParam();
  std::vector<float> values(2 * 3 * 4 * 5);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  for (float& v : values) v = dist(rng);
  Tensor x = MakeTensor<float>({2, 3, 4, 5}, values);
  Tensor expected = NaiveReduce(op, x, axes, keepdims);
  const std::string name = op;
  // The opset where axes moved to an input.
  const int input_opset = name == "ReduceSum" ? 13 : 18;
  auto old =
      RunNode(MakeNode(op, 1, 1, {{"axes", IntsAttr(axes)}, {"keepdims", IntAttr(keepdims)}}),
              input_opset - 1, {&x});
  ASSERT_TRUE(old.ok()) << old.status();
  ExpectTensorNear((*old)[0], expected, 1e-5, 1e-4);
  Tensor axes_t = MakeTensor<int64_t>({static_cast<int64_t>(axes.size())}, axes);
  auto now =
      RunNode(MakeNode(op, 2, 1, {{"keepdims", IntAttr(keepdims)}}), input_opset, {&x, &axes_t});
  ASSERT_TRUE(now.ok()) << now.status();
  ExpectTensorNear((*now)[0], expected, 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    AxisSets, ReduceOpTest,
    ::testing::Combine(::testing::ValuesIn(kOps),
                       ::testing::Values(std::vector<int64_t>{}, std::vector<int64_t>{0},
                                         std::vector<int64_t>{-1}, std::vector<int64_t>{1, 2},
                                         std::vector<int64_t>{0, 2}, std::vector<int64_t>{3, 1},
                                         std::vector<int64_t>{0, 1, 2, 3}),
                       ::testing::Bool()));

TEST(ReduceTest, NoopWithEmptyAxes) {
  Tensor x = MakeTensor<float>({2, 2}, {1, -2, 3, -4});
  Tensor empty(DataType::kInt64, {0});
  auto noop = RunNode(MakeNode("ReduceSum", 2, 1, {{"noop_with_empty_axes", IntAttr(1)}}), 13,
                      {&x, &empty});
  ASSERT_TRUE(noop.ok()) << noop.status();
  ExpectTensorNear((*noop)[0], x);
  auto missing =
      RunNode(MakeNode("ReduceL1", 1, 1, {{"noop_with_empty_axes", IntAttr(1)}}), 18, {&x});
  ASSERT_TRUE(missing.ok()) << missing.status();
  ExpectTensorNear((*missing)[0], x);
  auto all = RunNode(MakeNode("ReduceSum", 2, 1, {{"keepdims", IntAttr(0)}}), 13, {&x, &empty});
  ASSERT_TRUE(all.ok());
  ExpectTensorNear((*all)[0], MakeTensor<float>({}, {-2}));
}

TEST(ReduceTest, EmptySetGivesIdentity) {
  Tensor x(DataType::kFloat, {2, 0, 3});
  Tensor axes = MakeTensor<int64_t>({1}, {1});
  const float inf = std::numeric_limits<float>::infinity();
  struct Expect {
    const char* op;
    float value;
  };
  for (Expect e : {Expect{"ReduceSum", 0}, Expect{"ReduceProd", 1}, Expect{"ReduceMax", -inf},
                   Expect{"ReduceMin", inf}, Expect{"ReduceL2", 0}, Expect{"ReduceLogSum", -inf},
                   Expect{"ReduceLogSumExp", -inf}, Expect{"ReduceSumSquare", 0}}) {
    auto r = RunNode(MakeNode(e.op, 2), 18, {&x, &axes});
    ASSERT_TRUE(r.ok()) << e.op << ": " << r.status();
    ASSERT_EQ(ShapeToString((*r)[0].shape()), "[2,1,3]");
    // Compared exactly: ExpectTensorNear's tolerance arithmetic cannot match infinities.
    for (float v : (*r)[0].span<float>()) EXPECT_EQ(v, e.value) << e.op;
  }
  Tensor ints(DataType::kInt32, {0});
  auto max = RunNode(MakeNode("ReduceMax", 1, 1, {{"keepdims", IntAttr(0)}}), 13, {&ints});
  ASSERT_TRUE(max.ok()) << max.status();
  ExpectTensorNear((*max)[0], MakeTensor<int32_t>({}, {std::numeric_limits<int32_t>::lowest()}));
}

TEST(ReduceTest, IntegerTypes) {
  Tensor x = MakeTensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto sum = RunNode(MakeNode("ReduceSum", 1, 1, {{"axes", IntsAttr({1})}}), 11, {&x});
  ASSERT_TRUE(sum.ok()) << sum.status();
  ExpectTensorNear((*sum)[0], MakeTensor<int64_t>({2, 1}, {6, 15}));
  auto mean = RunNode(MakeNode("ReduceMean", 1, 1, {{"axes", IntsAttr({0})}}), 13, {&x});
  ASSERT_TRUE(mean.ok());
  ExpectTensorNear((*mean)[0], MakeTensor<int64_t>({1, 3}, {2, 3, 4}));  // integer division
  Tensor u8 = MakeTensor<uint8_t>({3}, {7, 200, 3});
  auto max = RunNode(MakeNode("ReduceMax", 1, 1, {{"keepdims", IntAttr(0)}}), 13, {&u8});
  ASSERT_TRUE(max.ok()) << max.status();
  ExpectTensorNear((*max)[0], MakeTensor<uint8_t>({}, {200}));
  Tensor i32 = MakeTensor<int32_t>({2}, {-3, 4});
  auto l2 = RunNode(MakeNode("ReduceL2", 1), 13, {&i32});
  ASSERT_TRUE(l2.ok());
  ExpectTensorNear((*l2)[0], MakeTensor<int32_t>({1}, {5}));
}

TEST(ReduceTest, LogSumExpIsStableForLargeValues) {
  Tensor x = MakeTensor<double>({2}, {1000, 1000});
  auto r = RunNode(MakeNode("ReduceLogSumExp", 1, 1, {{"keepdims", IntAttr(0)}}), 13, {&x});
  ASSERT_TRUE(r.ok());
  ExpectTensorNear((*r)[0], MakeTensor<double>({}, {1000 + std::log(2.0)}), 1e-9);
}

TEST(ReduceTest, RejectsBadAxes) {
  Tensor x = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(RunNode(MakeNode("ReduceSum", 1, 1, {{"axes", IntsAttr({2})}}), 11, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("ReduceMax", 1, 1, {{"axes", IntsAttr({0, -2})}}), 13, {&x}).ok());
  Tensor bad_type = MakeTensor<float>({1}, {0});
  auto r = RunNode(MakeNode("ReduceSum", 2), 13, {&x, &bad_type});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ArgReduceTest, FirstAndLastIndex) {
  Tensor x = MakeTensor<float>({2, 3}, {2, 9, 9, 1, 1, 0});
  auto max = RunNode(MakeNode("ArgMax", 1, 1, {{"axis", IntAttr(1)}}), 13, {&x});
  ASSERT_TRUE(max.ok()) << max.status();
  ExpectTensorNear((*max)[0], MakeTensor<int64_t>({2, 1}, {1, 0}));
  auto last = RunNode(
      MakeNode("ArgMax", 1, 1,
               {{"axis", IntAttr(1)}, {"select_last_index", IntAttr(1)}, {"keepdims", IntAttr(0)}}),
      12, {&x});
  ASSERT_TRUE(last.ok());
  ExpectTensorNear((*last)[0], MakeTensor<int64_t>({2}, {2, 1}));
  auto min = RunNode(
      MakeNode(
          "ArgMin", 1, 1,
          {{"axis", IntAttr(-1)}, {"keepdims", IntAttr(0)}, {"select_last_index", IntAttr(1)}}),
      13, {&x});
  ASSERT_TRUE(min.ok());
  ExpectTensorNear((*min)[0], MakeTensor<int64_t>({2}, {0, 2}));
  auto axis0 = RunNode(MakeNode("ArgMin", 1), 1, {&x});
  ASSERT_TRUE(axis0.ok());
  ExpectTensorNear((*axis0)[0], MakeTensor<int64_t>({1, 3}, {1, 1, 1}));
}

TEST(ArgReduceTest, IntegerInputAndErrors) {
  Tensor x = MakeTensor<int32_t>({4}, {3, -1, 7, 7});
  auto r = RunNode(MakeNode("ArgMax", 1, 1, {{"keepdims", IntAttr(0)}}), 11, {&x});
  ASSERT_TRUE(r.ok());
  ExpectTensorNear((*r)[0], MakeTensor<int64_t>({}, {2}));
  EXPECT_FALSE(RunNode(MakeNode("ArgMax", 1, 1, {{"axis", IntAttr(1)}}), 13, {&x}).ok());
  Tensor empty(DataType::kFloat, {0, 2});
  EXPECT_FALSE(RunNode(MakeNode("ArgMin", 1), 13, {&empty}).ok());
}

}  // namespace
}  // namespace berth::engine
