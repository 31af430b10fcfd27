#include "common/latency_stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace berth {
namespace {

TEST(NearestRankPercentileTest, FollowsTheNearestRankDefinition) {
  std::vector<double> s = {15, 20, 35, 40, 50};
  EXPECT_EQ(NearestRankPercentile(s, 5), 15);
  EXPECT_EQ(NearestRankPercentile(s, 30), 20);
  EXPECT_EQ(NearestRankPercentile(s, 40), 20);  // rank exactly 2
  EXPECT_EQ(NearestRankPercentile(s, 50), 35);
  EXPECT_EQ(NearestRankPercentile(s, 100), 50);
}

TEST(NearestRankPercentileTest, HundredSamples) {
  std::vector<double> s;
  for (int i = 1; i <= 100; ++i) s.push_back(i);
  EXPECT_EQ(NearestRankPercentile(s, 50), 50);
  EXPECT_EQ(NearestRankPercentile(s, 90), 90);
  EXPECT_EQ(NearestRankPercentile(s, 99), 99);
}

TEST(ComputeLatencyStatsTest, SortsAndSummarizes) {
  LatencyStats stats = ComputeLatencyStats({4, 1, 3, 2}, 8);
  EXPECT_EQ(stats.min_ms, 1);
  EXPECT_EQ(stats.max_ms, 4);
  EXPECT_DOUBLE_EQ(stats.mean_ms, 2.5);
  EXPECT_EQ(stats.p50_ms, 2);
  EXPECT_EQ(stats.p90_ms, 4);
  EXPECT_EQ(stats.p99_ms, 4);
  EXPECT_DOUBLE_EQ(stats.throughput_per_s, 1000.0 * 8 / 2.5);
}

TEST(ComputeLatencyStatsTest, SingleAndEmpty) {
  LatencyStats one = ComputeLatencyStats({7}, 1);
  EXPECT_EQ(one.p50_ms, 7);
  EXPECT_EQ(one.p99_ms, 7);
  LatencyStats none = ComputeLatencyStats({}, 1);
  EXPECT_EQ(none.mean_ms, 0);
  EXPECT_EQ(none.throughput_per_s, 0);
}

}  // namespace
}  // namespace berth
