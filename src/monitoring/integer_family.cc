#include "monitoring/integer_family.h"

#include <utility>

#include "monitoring/samples.h"

namespace berth::monitoring {

IntegerFamily::IntegerFamily(std::string name, std::string help, prometheus::MetricType type)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type == prometheus::MetricType::Counter ? type : prometheus::MetricType::Gauge) {}

std::shared_ptr<IntegerMetric> IntegerFamily::Add(const prometheus::Labels& labels) {
  std::lock_guard lock(mu_);
  std::shared_ptr<IntegerMetric>& slot = live_[labels];
  if (slot == nullptr) slot = std::make_shared<IntegerMetric>();
  return slot;
}

void IntegerFamily::Remove(const std::shared_ptr<IntegerMetric>& metric) {
  std::lock_guard lock(mu_);
  std::erase_if(live_, [&](const auto& entry) { return entry.second == metric; });
}

std::vector<prometheus::MetricFamily> IntegerFamily::Collect() const {
  prometheus::MetricFamily family = SampledFamily(name_, help_, type_);
  std::lock_guard lock(mu_);
  family.metric.reserve(live_.size());
  for (const auto& [labels, metric] : live_) {
    AddSample(family, SampleLabels(labels.begin(), labels.end()),
              static_cast<double>(metric->Value()));
  }
  return {std::move(family)};
}

}  // namespace berth::monitoring
