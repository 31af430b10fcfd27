#include "rollout/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace berth::rollout {
namespace {

// The bound latency_histogram.h states: a quantile is within 2^(1/16) of the exact one.
const double kBound = std::exp2(1.0 / 16);

double ExactP99(std::vector<double> v) {
  const size_t k = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(v.size()))) - 1;
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

void ExpectWithinBound(double got, double exact) {
  EXPECT_LE(got, exact * kBound) << "exact " << exact;
  EXPECT_GE(got, exact / kBound) << "exact " << exact;
}

TEST(LatencyHistogramTest, BucketsAreLogSpacedFromOneMicrosecond) {
  EXPECT_EQ(LatencyHistogram::BucketOf(0), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(-3), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(std::nan("")), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(1.05), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(1.1), 1);
  EXPECT_EQ(LatencyHistogram::BucketOf(2.01), 8);  // one octave = 8 buckets
  EXPECT_EQ(LatencyHistogram::BucketOf(1024.5), 80);
  EXPECT_EQ(LatencyHistogram::BucketOf(100e6), 212);  // 100 s: floor(8 * log2(1e8))
  EXPECT_EQ(LatencyHistogram::BucketOf(1e12), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::BucketOf(std::numeric_limits<double>::infinity()),
            LatencyHistogram::kBuckets - 1);
  for (int b = 1; b < LatencyHistogram::kBuckets - 1; ++b) {
    // Each bucket's middle lies in it, 2^(1/8) times the one before.
    EXPECT_EQ(LatencyHistogram::BucketOf(LatencyHistogram::Middle(b)), b);
    EXPECT_NEAR(LatencyHistogram::Middle(b) / LatencyHistogram::Middle(b - 1), std::exp2(0.125),
                1e-12);
  }
}

TEST(LatencyHistogramTest, P99OfKnownDistributionsIsWithinTheStatedBound) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(100, 10000);
  std::lognormal_distribution<double> lognormal(std::log(2000.0), 0.6);
  std::exponential_distribution<double> exponential(1.0 / 500);
  for (int which = 0; which < 3; ++which) {
    for (int n : {100, 1000, 50000}) {
      std::vector<double> samples;
      LatencyHistogram h;
      for (int i = 0; i < n; ++i) {
        const double v = which == 0   ? uniform(rng)
                         : which == 1 ? lognormal(rng)
                                      : 1 + exponential(rng);
        samples.push_back(v);
        h.Add(v);
      }
      EXPECT_EQ(h.count(), n);
      SCOPED_TRACE(testing::Message() << "distribution " << which << ", n " << n);
      ExpectWithinBound(h.Quantile(0.99), ExactP99(samples));
    }
  }
  // A known answer: 1..1000 us, one each; the 990th smallest is 990 us.
  LatencyHistogram steps;
  for (int i = 1; i <= 1000; ++i) steps.Add(i);
  ExpectWithinBound(steps.Quantile(0.99), 990);
  EXPECT_EQ(LatencyHistogram().Quantile(0.99), 0);
}

TEST(LatencyHistogramTest, TheP99OfMergedHistogramsIsThatOfAllTheSamples) {
  // Three servers, each with its own latency range: no one server's p99 is the fleet's.
  std::mt19937_64 rng(7);
  std::vector<double> all;
  LatencyHistogram merged;
  std::vector<LatencyHistogram> servers(3);
  for (int s = 0; s < 3; ++s) {
    std::uniform_real_distribution<double> d(500.0 * (s + 1), 800.0 * (s + 1) + (s == 2) * 4000);
    for (int i = 0; i < 3000 + 1000 * s; ++i) {
      const double v = d(rng);
      all.push_back(v);
      servers[s].Add(v);
    }
  }
  for (const LatencyHistogram& h : servers) merged.Merge(h);
  EXPECT_EQ(merged.count(), static_cast<int64_t>(all.size()));
  ExpectWithinBound(merged.Quantile(0.99), ExactP99(all));
  // Bucket by bucket, in any order, the sum is the same.
  LatencyHistogram other_order = servers[2];
  other_order.Merge(servers[0]);
  other_order.Merge(servers[1]);
  EXPECT_EQ(other_order, merged);
}

TEST(LatencyHistogramTest, AddToBucketRefusesWhatIsOutOfRange) {
  LatencyHistogram h;
  EXPECT_TRUE(h.AddToBucket(80, 5).ok());
  EXPECT_EQ(h.count(), 5);
  EXPECT_EQ(h.at(80), 5);
  EXPECT_FALSE(h.AddToBucket(-1, 1).ok());
  EXPECT_FALSE(h.AddToBucket(LatencyHistogram::kBuckets, 1).ok());
  EXPECT_FALSE(h.AddToBucket(3, -1).ok());
  EXPECT_EQ(h.count(), 5);
}

}  // namespace
}  // namespace berth::rollout
