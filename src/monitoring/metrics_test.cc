#include "monitoring/metrics.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace berth::monitoring {
namespace {

// A collect-time source with one gauge of a fixed value.
class FixedGauge : public prometheus::Collectable {
 public:
  explicit FixedGauge(double value) : value_(value) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "berth_test_sampled";
    family.help = "a sampled value";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    metric.gauge.value = value_;
    family.metric.push_back(metric);
    return {family};
  }

 private:
  double value_;
};

TEST(MetricsTest, RendersRegisteredFamiliesInTextFormat) {
  Metrics metrics;
  auto& family = prometheus::BuildCounter()
                     .Name("berth_test_requests_total")
                     .Help("requests")
                     .Register(metrics.registry());
  family.Add({{"model", "mlp"}}).Increment(3);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE berth_test_requests_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("berth_test_requests_total{model=\"mlp\"} 3"), std::string::npos) << text;
}

TEST(MetricsTest, SamplesCollectablesUntilTheyAreDestroyed) {
  Metrics metrics;
  auto source = std::make_shared<FixedGauge>(7);
  metrics.AddCollectable(source);
  EXPECT_NE(metrics.Render().find("berth_test_sampled 7"), std::string::npos);
  source.reset();
  EXPECT_EQ(metrics.Render().find("berth_test_sampled"), std::string::npos);
}

}  // namespace
}  // namespace berth::monitoring
