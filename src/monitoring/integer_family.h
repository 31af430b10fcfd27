// Counters and gauges of whole numbers for the request path: one relaxed atomic add per
// change, exported at scrape time by a family that is a prometheus::Collectable (the same text
// as prometheus-cpp's counters and gauges, whose every change is a compare-and-swap loop on a
// double).
//
//   auto requests = std::make_shared<monitoring::IntegerFamily>(
//       "berth_requests_total", "...", prometheus::MetricType::Counter);
//   metrics->AddCollectable(requests);                   // kept alive by the caller
//   std::shared_ptr<monitoring::IntegerMetric> ok =
//       requests->Add({{"model", "resnet"}, {"outcome", "success"}});
//   ok->Increment();
//   requests->Remove(ok);                                // its series disappear
//
// A counter's value only grows if its holders only add non-negative amounts; the family does
// not check (the request path adds constants and sizes it already checked). Values wrap past
// 2^63.
//
// Thread safety: every method of both classes may be called from any thread at once.
#ifndef BERTH_MONITORING_INTEGER_FAMILY_H_
#define BERTH_MONITORING_INTEGER_FAMILY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/labels.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"

namespace berth::monitoring {

// One label set's value. Made by IntegerFamily::Add only; holders keep it by shared_ptr, so
// changing it after the family removed it is harmless (and not exported).
class IntegerMetric {
 public:
  IntegerMetric() = default;
  IntegerMetric(const IntegerMetric&) = delete;
  IntegerMetric& operator=(const IntegerMetric&) = delete;

  void Increment(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Decrement(int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A counter or gauge metric's name, help and type, and its live values by label set.
class IntegerFamily final : public prometheus::Collectable {
 public:
  // `type` is Counter or Gauge (anything else is exported as a gauge).
  IntegerFamily(std::string name, std::string help, prometheus::MetricType type);

  // The value of `labels`: the live one if that label set already has one, else a new 0.
  std::shared_ptr<IntegerMetric> Add(const prometheus::Labels& labels);
  // Stops exporting `metric` (if it is this family's).
  void Remove(const std::shared_ptr<IntegerMetric>& metric);

  // One MetricFamily with a sample per live label set (labels in name order).
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string name_;
  const std::string help_;
  const prometheus::MetricType type_;
  mutable std::mutex mu_;
  std::map<prometheus::Labels, std::shared_ptr<IntegerMetric>> live_;  // guarded by mu_
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_INTEGER_FAMILY_H_
