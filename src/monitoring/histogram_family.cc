#include "monitoring/histogram_family.h"

#include <cmath>
#include <limits>
#include <utility>

#include "prometheus/metric_type.h"

namespace berth::monitoring {
namespace {

constexpr double kInt64Max = 9223372036854775807.0;  // rounds to 2^63

// `value` rounded to an int64, saturating at the int64 range (NaN is not passed here).
int64_t SaturatingRound(double value) {
  if (value >= kInt64Max) return std::numeric_limits<int64_t>::max();
  if (value <= -kInt64Max) return std::numeric_limits<int64_t>::min();
  return std::llround(value);
}

// The largest number of units whose value is <= `bound`. A quotient within rounding error of
// an integer is that integer (0.00005 s is 50000 ns although 0.00005 / 1e-9 is not exactly).
int64_t UnitBound(double bound, double unit) {
  const double quotient = bound / unit;
  const double nearest = std::nearbyint(quotient);
  const double tolerance = 1e-9 * std::max(1.0, std::fabs(quotient));
  const double whole = std::fabs(quotient - nearest) <= tolerance ? nearest : std::floor(quotient);
  return SaturatingRound(whole);
}

std::vector<double> CleanBounds(std::vector<double> bounds) {
  std::erase_if(bounds, [](double b) { return !std::isfinite(b); });
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

std::vector<int64_t> UnitBounds(const std::vector<double>& bounds, double unit) {
  std::vector<int64_t> units;
  units.reserve(bounds.size());
  for (double b : bounds) units.push_back(UnitBound(b, unit));
  return units;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds, double unit)
    : bounds_(std::move(bounds)),
      unit_(unit),
      unit_bounds_(UnitBounds(bounds_, unit)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) {
    buckets_[bounds_.size()].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_units_.fetch_add(SaturatingRound(value / unit_), std::memory_order_relaxed);
}

prometheus::ClientMetric::Histogram Histogram::Snapshot() const {
  prometheus::ClientMetric::Histogram out;
  out.bucket.reserve(bounds_.size() + 1);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = i < bounds_.size() ? bounds_[i] : std::numeric_limits<double>::infinity();
    out.bucket.push_back(bucket);
  }
  out.sample_count = cumulative;
  out.sample_sum = static_cast<double>(sum_units_.load(std::memory_order_relaxed)) * unit_;
  return out;
}

HistogramFamily::HistogramFamily(std::string name, std::string help, double unit)
    : name_(std::move(name)),
      help_(std::move(help)),
      unit_(std::isfinite(unit) && unit > 0 ? unit : 1.0) {}

std::shared_ptr<Histogram> HistogramFamily::Add(const prometheus::Labels& labels,
                                                const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  std::shared_ptr<Histogram>& slot = live_[labels];
  if (slot == nullptr) slot.reset(new Histogram(CleanBounds(bounds), unit_));
  return slot;
}

void HistogramFamily::Remove(const std::shared_ptr<Histogram>& histogram) {
  std::lock_guard lock(mu_);
  std::erase_if(live_, [&](const auto& entry) { return entry.second == histogram; });
}

std::vector<prometheus::MetricFamily> HistogramFamily::Collect() const {
  prometheus::MetricFamily family;
  family.name = name_;
  family.help = help_;
  family.type = prometheus::MetricType::Histogram;
  std::lock_guard lock(mu_);
  family.metric.reserve(live_.size());
  for (const auto& [labels, histogram] : live_) {
    prometheus::ClientMetric sample;
    for (const auto& [label, value] : labels) sample.label.push_back({label, value});
    sample.histogram = histogram->Snapshot();
    family.metric.push_back(std::move(sample));
  }
  return {std::move(family)};
}

}  // namespace berth::monitoring
