#include "monitoring/histogram_family.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "monitoring/metrics.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace berth::monitoring {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

struct Fixture {
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::shared_ptr<HistogramFamily> family =
      std::make_shared<HistogramFamily>("berth_test_seconds", "Test durations", 1e-9);
  Fixture() { metrics->AddCollectable(family); }
};

TEST(HistogramFamilyTest, RendersCumulativeBucketsSumAndCountWithSortedLabels) {
  Fixture f;
  auto h = f.family->Add({{"version", "3"}, {"model", "resnet"}}, {0.001, 0.01, 0.1});
  h->ObserveUnits(500'000);        // 0.5 ms
  h->ObserveUnits(2'000'000);      // 2 ms
  h->ObserveUnits(3'000'000);      // 3 ms
  h->ObserveUnits(2'000'000'000);  // 2 s: only +Inf
  const std::string text = f.metrics->Render();
  EXPECT_TRUE(Has(text, "# HELP berth_test_seconds Test durations\n")) << text;
  EXPECT_TRUE(Has(text, "# TYPE berth_test_seconds histogram\n"));
  const std::string labels = "model=\"resnet\",version=\"3\"";
  EXPECT_TRUE(Has(text, "berth_test_seconds_count{" + labels + "} 4\n")) << text;
  EXPECT_TRUE(Has(text, "berth_test_seconds_sum{" + labels + "} 2.0055\n")) << text;
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{" + labels + ",le=\"0.001\"} 1\n"));
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{" + labels + ",le=\"0.01\"} 3\n"));
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{" + labels + ",le=\"0.1\"} 3\n"));
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{" + labels + ",le=\"+Inf\"} 4\n"));
}

TEST(HistogramFamilyTest, TextHasTheFormOfPrometheusCpps) {
  // The same observations through prometheus-cpp's Histogram render the same lines.
  Fixture f;
  auto ours = f.family->Add({{"model", "m"}}, {1, 2, 4});
  auto& theirs_family = prometheus::BuildHistogram()
                            .Name("berth_cpp_seconds")
                            .Help("Test durations")
                            .Register(f.metrics->registry());
  auto& theirs =
      theirs_family.Add({{"model", "m"}}, prometheus::Histogram::BucketBoundaries{1, 2, 4});
  for (double v : {0.5, 1.0, 3.0, 9.0}) {
    ours->Observe(v);
    theirs.Observe(v);
  }
  const std::string text = f.metrics->Render();
  for (const std::string suffix :
       {"_bucket{model=\"m\",le=\"1\"} 2\n", "_bucket{model=\"m\",le=\"2\"} 2\n",
        "_bucket{model=\"m\",le=\"4\"} 3\n", "_bucket{model=\"m\",le=\"+Inf\"} 4\n",
        "_sum{model=\"m\"} 13.5\n", "_count{model=\"m\"} 4\n"}) {
    EXPECT_TRUE(Has(text, "berth_cpp_seconds" + suffix)) << suffix << text;
    EXPECT_TRUE(Has(text, "berth_test_seconds" + suffix)) << suffix << text;
  }
}

TEST(HistogramFamilyTest, AValueEqualToABoundCountsInThatBucket) {
  Fixture f;
  // 0.00005 / 1e-9 is not exactly 50000 in doubles; 50000 ns is still <= 0.00005 s.
  auto h = f.family->Add({{"model", "m"}}, {0.00005, 0.0001});
  h->ObserveUnits(50'000);
  h->ObserveUnits(50'001);
  h->Observe(0.0001);
  const std::string text = f.metrics->Render();
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{model=\"m\",le=\"5e-05\"} 1\n")) << text;
  EXPECT_TRUE(Has(text, "berth_test_seconds_bucket{model=\"m\",le=\"0.0001\"} 3\n")) << text;
}

TEST(HistogramFamilyTest, EdgeValuesNeverCrashAndNaNCountsOnlyInInfAndCount) {
  auto family = std::make_shared<HistogramFamily>("berth_rows", "Rows", 1);
  auto h = family->Add({{"model", "m"}}, {1, 2});
  h->Observe(std::nan(""));
  h->Observe(-5);   // below every bound: the first bucket
  h->Observe(1.5);  // the bucket comes from the value, not its rounding to 2 units
  h->Observe(std::numeric_limits<double>::infinity());
  h->ObserveUnits(std::numeric_limits<int64_t>::max());
  std::vector<prometheus::MetricFamily> collected = family->Collect();
  ASSERT_EQ(collected.size(), 1u);
  ASSERT_EQ(collected[0].metric.size(), 1u);
  const auto& hist = collected[0].metric[0].histogram;
  ASSERT_EQ(hist.bucket.size(), 3u);
  EXPECT_EQ(hist.bucket[0].cumulative_count, 1u);  // -5
  EXPECT_EQ(hist.bucket[1].cumulative_count, 2u);  // 1.5
  EXPECT_EQ(hist.bucket[2].cumulative_count, 5u);  // NaN, +inf, int64 max
  EXPECT_TRUE(std::isinf(hist.bucket[2].upper_bound));
  EXPECT_EQ(hist.sample_count, 5u);
  EXPECT_FALSE(std::isnan(hist.sample_sum));
}

TEST(HistogramFamilyTest, BoundsAreSortedAndCleaned) {
  auto family = std::make_shared<HistogramFamily>("berth_rows", "Rows", 1);
  auto h = family->Add({}, {4, 1, 2, 2, std::numeric_limits<double>::infinity(), std::nan("")});
  EXPECT_EQ(h->bounds(), (std::vector<double>{1, 2, 4}));
  auto none = family->Add({{"model", "empty"}}, {});
  none->ObserveUnits(7);
  const auto collected = family->Collect();
  ASSERT_EQ(collected[0].metric.size(), 2u);
}

TEST(HistogramFamilyTest, AddReturnsTheLiveHistogramAndRemoveDropsItsSeries) {
  Fixture f;
  auto a = f.family->Add({{"model", "m"}, {"version", "1"}}, {1});
  auto b = f.family->Add({{"model", "m"}, {"version", "2"}}, {1});
  EXPECT_EQ(f.family->Add({{"model", "m"}, {"version", "1"}}, {5}), a);
  a->ObserveUnits(1);
  f.family->Remove(a);
  a->ObserveUnits(1);  // a holder may still observe; it is no longer exported
  const std::string text = f.metrics->Render();
  EXPECT_FALSE(Has(text, "version=\"1\"")) << text;
  EXPECT_TRUE(Has(text, "berth_test_seconds_count{model=\"m\",version=\"2\"} 0\n")) << text;
  // A label set added again after its removal starts over.
  auto again = f.family->Add({{"model", "m"}, {"version", "1"}}, {1});
  EXPECT_NE(again, a);
  EXPECT_TRUE(Has(f.metrics->Render(), "berth_test_seconds_count{model=\"m\",version=\"1\"} 0\n"));
}

TEST(HistogramFamilyTest, ConcurrentObservationsAddUpExactly) {
  auto family = std::make_shared<HistogramFamily>("berth_rows", "Rows", 1);
  auto h = family->Add({{"model", "m"}}, {1, 2, 4, 8});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) h->ObserveUnits(i % 10);  // 0..9
    });
  }
  // Scrapes while observing: _count always equals the +Inf bucket.
  for (int i = 0; i < 50; ++i) {
    const auto hist = family->Collect()[0].metric[0].histogram;
    EXPECT_EQ(hist.sample_count, hist.bucket.back().cumulative_count);
  }
  for (auto& t : threads) t.join();
  const auto hist = family->Collect()[0].metric[0].histogram;
  constexpr uint64_t kTotal = uint64_t{kThreads} * kPerThread;
  EXPECT_EQ(hist.sample_count, kTotal);
  // Per 10 observations: 0,1 -> le 1; 2 -> le 2; 3,4 -> le 4; 5..8 -> le 8; 9 -> +Inf.
  EXPECT_EQ(hist.bucket[0].cumulative_count, kTotal / 10 * 2);
  EXPECT_EQ(hist.bucket[1].cumulative_count, kTotal / 10 * 3);
  EXPECT_EQ(hist.bucket[2].cumulative_count, kTotal / 10 * 5);
  EXPECT_EQ(hist.bucket[3].cumulative_count, kTotal / 10 * 9);
  EXPECT_EQ(hist.bucket[4].cumulative_count, kTotal);
  EXPECT_EQ(hist.sample_sum, static_cast<double>(kTotal / 10 * 45));
}

}  // namespace
}  // namespace berth::monitoring
