// TopK, CumSum and Det.
#include <cmath>
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

TEST(TopKTest, LargestAlongLastAxisWithTies) {
  Tensor x = MakeTensor<float>({2, 4}, {1, 3, 3, 2, 5, 4, 6, 0});
  Tensor k = MakeTensor<int64_t>({1}, {3});
  auto r = RunNode(MakeNode("TopK", 2, 2), 11, {&x, &k});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<float>({2, 3}, {3, 3, 2, 6, 5, 4}));
  ExpectTensorNear((*r)[1], MakeTensor<int64_t>({2, 3}, {1, 2, 3, 2, 0, 1}));
}

TEST(TopKTest, SmallestAlongFirstAxis) {
  Tensor x = MakeTensor<int32_t>({3, 2}, {5, 1, 2, 8, 9, 0});
  Tensor k = MakeTensor<int64_t>({1}, {2});
  auto r = RunNode(MakeNode("TopK", 2, 2, {{"axis", IntAttr(0)}, {"largest", IntAttr(0)}}), 11,
                   {&x, &k});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<int32_t>({2, 2}, {2, 0, 5, 1}));
  ExpectTensorNear((*r)[1], MakeTensor<int64_t>({2, 2}, {1, 2, 0, 0}));
}

TEST(TopKTest, OpsetOneTakesKFromAttribute) {
  Tensor x = MakeTensor<float>({5}, {4, 8, 1, 9, 2});
  auto r = RunNode(MakeNode("TopK", 1, 2, {{"k", IntAttr(2)}}), 1, {&x});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<float>({2}, {9, 8}));
  ExpectTensorNear((*r)[1], MakeTensor<int64_t>({2}, {3, 1}));
  EXPECT_FALSE(RunNode(MakeNode("TopK", 1, 2), 1, {&x}).ok());  // k missing
}

TEST(TopKTest, NanRanksHighestAndKZeroIsEmpty) {
  Tensor x = MakeTensor<float>({3}, {1, NAN, 2});
  Tensor k1 = MakeTensor<int64_t>({1}, {1});
  auto r = RunNode(MakeNode("TopK", 2, 2), 11, {&x, &k1});
  ASSERT_TRUE(r.ok());
  ExpectTensorNear((*r)[1], MakeTensor<int64_t>({1}, {1}));
  Tensor k0 = MakeTensor<int64_t>({1}, {0});
  auto empty = RunNode(MakeNode("TopK", 2, 2), 11, {&x, &k0});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ((*empty)[0].num_elements(), 0);
}

TEST(TopKTest, RejectsBadK) {
  Tensor x = MakeTensor<float>({3}, {1, 2, 3});
  Tensor big = MakeTensor<int64_t>({1}, {4});
  EXPECT_EQ(RunNode(MakeNode("TopK", 2, 2), 11, {&x, &big}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor negative = MakeTensor<int64_t>({1}, {-1});
  EXPECT_FALSE(RunNode(MakeNode("TopK", 2, 2), 10, {&x, &negative}).ok());
  Tensor two = MakeTensor<int64_t>({2}, {1, 1});
  EXPECT_FALSE(RunNode(MakeNode("TopK", 2, 2), 10, {&x, &two}).ok());
}

struct CumSumCase {
  int64_t exclusive, reverse;
  std::vector<double> expected;
};

class CumSumTest : public ::testing::TestWithParam<CumSumCase> {};

TEST_P(CumSumTest, OneDimension) {
  const CumSumCase& c = GetParam();
  Tensor x = MakeTensor<double>({5}, {1, 2, 3, 4, 5});
  Tensor axis = MakeTensor<int32_t>({}, {0});
  auto r = RunNode(MakeNode("CumSum", 2, 1,
                            {{"exclusive", IntAttr(c.exclusive)}, {"reverse", IntAttr(c.reverse)}}),
                   14, {&x, &axis});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<double>({5}, c.expected));
}

INSTANTIATE_TEST_SUITE_P(Modes, CumSumTest,
                         ::testing::Values(CumSumCase{0, 0, {1, 3, 6, 10, 15}},
                                           CumSumCase{1, 0, {0, 1, 3, 6, 10}},
                                           CumSumCase{0, 1, {15, 14, 12, 9, 5}},
                                           CumSumCase{1, 1, {14, 12, 9, 5, 0}}));

TEST(CumSumOpTest, AxesAndTypes) {
  Tensor x = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor axis0 = MakeTensor<int64_t>({1}, {0});
  auto r0 = RunNode(MakeNode("CumSum", 2), 11, {&x, &axis0});
  ASSERT_TRUE(r0.ok()) << r0.status();
  ExpectTensorNear((*r0)[0], MakeTensor<float>({2, 3}, {1, 2, 3, 5, 7, 9}));
  Tensor neg = MakeTensor<int64_t>({}, {-1});
  Tensor xi = MakeTensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto r1 = RunNode(MakeNode("CumSum", 2), 14, {&xi, &neg});
  ASSERT_TRUE(r1.ok());
  ExpectTensorNear((*r1)[0], MakeTensor<int64_t>({2, 3}, {1, 3, 6, 4, 9, 15}));
  Tensor bad = MakeTensor<int64_t>({}, {2});
  EXPECT_FALSE(RunNode(MakeNode("CumSum", 2), 14, {&x, &bad}).ok());
  Tensor float_axis = MakeTensor<float>({}, {0});
  EXPECT_FALSE(RunNode(MakeNode("CumSum", 2), 14, {&x, &float_axis}).ok());
}

TEST(DetTest, MatricesAndBatches) {
  Tensor x = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  auto r = RunNode(MakeNode("Det", 1), 11, {&x});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<float>({}, {-2}));
  // A permutation matrix (odd), a singular matrix and a general 3x3.
  Tensor b = MakeTensor<double>({3, 3, 3}, {0, 1, 0, 1, 0, 0,  0, 0,  1, 1,  2, 3,  2, 4,
                                            6, 7, 8, 9, 2, -1, 0, -1, 2, -1, 0, -1, 2});
  auto rb = RunNode(MakeNode("Det", 1), 11, {&b});
  ASSERT_TRUE(rb.ok()) << rb.status();
  ExpectTensorNear((*rb)[0], MakeTensor<double>({3}, {-1, 0, 4}), 1e-12);
}

TEST(DetTest, RejectsNonSquare) {
  Tensor x = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(RunNode(MakeNode("Det", 1), 11, {&x}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor v = MakeTensor<float>({2}, {1, 2});
  EXPECT_FALSE(RunNode(MakeNode("Det", 1), 11, {&v}).ok());
}

}  // namespace
}  // namespace berth::engine
