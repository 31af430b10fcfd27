#include "monitoring/metrics.h"

#include <algorithm>
#include <utility>

#include "prometheus/text_serializer.h"

namespace berth::monitoring {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

void Metrics::AddCollectable(const std::shared_ptr<prometheus::Collectable>& source) {
  std::lock_guard lock(mu_);
  sources_.push_back(source);
}

std::string Metrics::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    std::lock_guard lock(mu_);
    std::erase_if(sources_, [](const auto& weak) { return weak.expired(); });
    for (const auto& weak : sources_) {
      if (auto source = weak.lock()) {
        for (auto& family : source->Collect()) families.push_back(std::move(family));
      }
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace berth::monitoring
