#include "monitoring/integer_family.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "monitoring/metrics.h"

namespace berth::monitoring {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(IntegerFamilyTest, RendersCountersAndGaugesWithSortedLabels) {
  auto metrics = std::make_shared<Metrics>();
  auto requests = std::make_shared<IntegerFamily>("berth_test_total", "Test requests",
                                                  prometheus::MetricType::Counter);
  auto in_flight = std::make_shared<IntegerFamily>("berth_test_in_flight", "Test in flight",
                                                   prometheus::MetricType::Gauge);
  metrics->AddCollectable(requests);
  metrics->AddCollectable(in_flight);
  auto ok = requests->Add({{"outcome", "success"}, {"model", "m"}});
  ok->Increment();
  ok->Increment(41);
  auto busy = in_flight->Add({{"model", "m"}});
  busy->Increment();
  busy->Increment();
  busy->Decrement();
  const std::string text = metrics->Render();
  EXPECT_TRUE(Has(text, "# TYPE berth_test_total counter\n")) << text;
  EXPECT_TRUE(Has(text, "berth_test_total{model=\"m\",outcome=\"success\"} 42\n")) << text;
  EXPECT_TRUE(Has(text, "# TYPE berth_test_in_flight gauge\n")) << text;
  EXPECT_TRUE(Has(text, "berth_test_in_flight{model=\"m\"} 1\n")) << text;
}

TEST(IntegerFamilyTest, AddReturnsTheLiveValueAndRemoveDropsItsSeries) {
  auto family =
      std::make_shared<IntegerFamily>("berth_test_total", "Test", prometheus::MetricType::Counter);
  auto a = family->Add({{"version", "1"}});
  EXPECT_EQ(family->Add({{"version", "1"}}), a);
  auto b = family->Add({{"version", "2"}});
  a->Increment();
  family->Remove(a);
  a->Increment();  // a holder may still count; it is no longer exported
  const auto collected = family->Collect();
  ASSERT_EQ(collected.size(), 1u);
  ASSERT_EQ(collected[0].metric.size(), 1u);
  EXPECT_EQ(collected[0].metric[0].label[0].value, "2");
  EXPECT_EQ(family->Add({{"version", "1"}})->Value(), 0);  // added again: starts over
}

TEST(IntegerFamilyTest, ConcurrentChangesAddUpExactly) {
  auto family =
      std::make_shared<IntegerFamily>("berth_test_total", "Test", prometheus::MetricType::Counter);
  auto counter = family->Add({});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) counter->Increment(3);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter->Value(), int64_t{3} * kThreads * kPerThread);
  EXPECT_EQ(family->Collect()[0].metric[0].counter.value, 3.0 * kThreads * kPerThread);
}

}  // namespace
}  // namespace berth::monitoring
