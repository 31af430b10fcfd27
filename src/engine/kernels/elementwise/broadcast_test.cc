#include "engine/kernels/elementwise/broadcast.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

Shape Broadcast(std::vector<Shape> shapes) {
  std::vector<const Shape*> ptrs;
  for (const Shape& s : shapes) ptrs.push_back(&s);
  Shape out;
  EXPECT_TRUE(BroadcastShapes("Test", ptrs, &out).ok());
  return out;
}

TEST(BroadcastShapesTest, NumpyRules) {
  EXPECT_EQ(Broadcast({{2, 3}, {2, 3}}), (Shape{2, 3}));
  EXPECT_EQ(Broadcast({{2, 3, 4}, {4}}), (Shape{2, 3, 4}));
  EXPECT_EQ(Broadcast({{2, 1, 4}, {3, 1}}), (Shape{2, 3, 4}));
  EXPECT_EQ(Broadcast({{}, {5}}), (Shape{5}));
  EXPECT_EQ(Broadcast({{1}, {}}), (Shape{1}));
  EXPECT_EQ(Broadcast({{0, 3}, {1, 3}}), (Shape{0, 3}));
  EXPECT_EQ(Broadcast({{3, 1, 1}, {1, 4, 1}, {1, 1, 5}}), (Shape{3, 4, 5}));
}

TEST(BroadcastShapesTest, IncompatibleShapesFail) {
  Shape a{2, 3};
  Shape b{4};
  Shape out;
  absl::Status st = BroadcastShapes("Add", {&a, &b}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("Add"), std::string::npos);
  EXPECT_NE(st.message().find("[2,3]"), std::string::npos);
  Shape zero{0};
  EXPECT_FALSE(BroadcastShapes("Add", {&zero, &a}, &out).ok());
}

TEST(BroadcastShapesTest, Unidirectional) {
  EXPECT_TRUE(CheckUnidirectional("PRelu", {2, 3, 4}, {3, 1}).ok());
  EXPECT_TRUE(CheckUnidirectional("PRelu", {2, 3, 4}, {}).ok());
  EXPECT_FALSE(CheckUnidirectional("PRelu", {2, 1, 4}, {3, 1}).ok());
  EXPECT_FALSE(CheckUnidirectional("PRelu", {4}, {2, 4}).ok());
}

TEST(LegacyBroadcastTest, PlacesAtAxisOrTrailing) {
  Shape a{2, 3, 4, 5};
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {5}, std::nullopt), (Shape{1, 1, 1, 5}));
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {4, 5}, std::nullopt), (Shape{1, 1, 4, 5}));
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {3, 4}, 1), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {2}, 0), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {}, std::nullopt), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(*LegacyBroadcastShape("Add", a, {3, 1}, -3), (Shape{1, 3, 1, 1}));
  EXPECT_FALSE(LegacyBroadcastShape("Add", a, {3}, 0).ok());      // 3 against 2
  EXPECT_FALSE(LegacyBroadcastShape("Add", a, {4, 5}, 3).ok());   // runs past the end
  EXPECT_FALSE(LegacyBroadcastShape("Add", {3}, {2, 3}, std::nullopt).ok());
}

TEST(BroadcastPlanTest, CollapsesDimensions) {
  BroadcastPlan plan;
  Shape a{4, 5, 6};
  ASSERT_TRUE(MakeBroadcastPlan("Add", {&a, &a}, &plan).ok());
  EXPECT_EQ(plan.dims.size(), 1u);
  EXPECT_EQ(plan.dims[0], 120);
  EXPECT_TRUE(plan.inner_contiguous[0] && plan.inner_contiguous[1]);

  Shape x{8, 256};
  Shape bias{256};
  ASSERT_TRUE(MakeBroadcastPlan("Add", {&x, &bias}, &plan).ok());
  EXPECT_EQ(plan.dims.size(), 2u);
  EXPECT_EQ(plan.strides[1][0], 0);
  EXPECT_TRUE(plan.inner_contiguous[1]);

  Shape nchw{2, 3, 4, 5};
  Shape scale{3, 1, 1};
  ASSERT_TRUE(MakeBroadcastPlan("Mul", {&nchw, &scale}, &plan).ok());
  ASSERT_EQ(plan.dims.size(), 3u);
  EXPECT_EQ(plan.dims[2], 20);
  EXPECT_FALSE(plan.inner_contiguous[1]);
  EXPECT_EQ(plan.strides[1][1], 1);

  Shape scalar{};
  ASSERT_TRUE(MakeBroadcastPlan("Mul", {&scalar, &scalar}, &plan).ok());
  EXPECT_EQ(plan.num_elements, 1);
  EXPECT_EQ(plan.dims.size(), 1u);
}

// The element offset of `index` (an output multi-index) in an input of shape `in`.
int64_t NaiveOffset(const Shape& out, const Shape& in, int64_t linear) {
  std::vector<int64_t> idx(out.size());
  for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
    idx[d] = linear % out[d];
    linear /= out[d];
  }
  int64_t offset = 0;
  size_t shift = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) {
    offset = offset * in[d] + (in[d] == 1 ? 0 : idx[d + shift]);
  }
  return offset;
}

// Every run ForEachRun produces, over every split of the range, agrees with per-element
// index arithmetic.
TEST(BroadcastPlanTest, RunsMatchNaiveIndexing) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    int rank = 1 + rng() % 5;
    Shape out;
    for (int d = 0; d < rank; ++d) out.push_back(1 + rng() % 4);
    std::vector<Shape> ins(3);
    for (Shape& s : ins) {
      int r = rng() % (rank + 1);
      for (int d = rank - r; d < rank; ++d) s.push_back(rng() % 2 ? out[d] : 1);
    }
    BroadcastPlan plan;
    ASSERT_TRUE(MakeBroadcastPlan("Test", {&ins[0], &ins[1], &ins[2]}, &plan).ok());
    int64_t n = plan.num_elements;
    int64_t split = n == 0 ? 0 : rng() % (n + 1);
    std::vector<int> seen(n, 0);
    for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, split}, {split, n}}) {
      ForEachRun(plan, begin, end, [&](int64_t pos, const RunOffsets& off, int64_t len) {
        for (int64_t i = 0; i < len; ++i) {
          ++seen[pos + i];
          for (int k = 0; k < 3; ++k) {
            int64_t got = off[k] + (plan.inner_contiguous[k] ? i : 0);
            ASSERT_EQ(got, NaiveOffset(plan.out_shape, ins[k], pos + i))
                << "trial " << trial << " input " << k << " element " << pos + i;
          }
        }
      });
    }
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "element " << i;
  }
}

}  // namespace
}  // namespace berth::engine
