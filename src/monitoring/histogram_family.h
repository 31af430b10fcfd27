// A lock-free histogram for the request path, exported as a standard Prometheus histogram
// (cumulative `_bucket{le=...}` series ending in `le="+Inf"`, `_sum`, `_count`) by a family
// that is a prometheus::Collectable, so its text is the same in form as prometheus-cpp's.
//
// prometheus-cpp's Histogram takes a mutex per Observe and scans its bounds linearly; here an
// observation is a binary search over the bounds and two relaxed atomic adds (its bucket and
// the sum). The sum is kept in integer units (`unit` seconds per unit for durations, 1 for
// counts of rows) and scaled at scrape time, so observing an integer never touches a double.
//
//   auto durations = std::make_shared<monitoring::HistogramFamily>(
//       "berth_request_duration_seconds", "...", /*unit=*/1e-9);   // observed in nanoseconds
//   metrics->AddCollectable(durations);                           // kept alive by the caller
//   std::shared_ptr<monitoring::Histogram> h =
//       durations->Add({{"model", "resnet"}, {"version", "3"}}, {0.001, 0.01, 0.1});
//   h->ObserveUnits(2'500'000);                                   // 2.5 ms
//   durations->Remove(h);                                         // its series disappear
//
// A value equal to a bound counts in that bound's bucket (`le` means <=). A NaN observation
// (Observe only) counts in the +Inf bucket and in _count and adds nothing to _sum. Observe
// picks the bucket from the value itself and adds it to the sum rounded to the nearest unit,
// saturating at the int64 range; the sum wraps around past 2^63 units (292 years of
// nanoseconds).
//
// Consistency: a scrape reads each bucket and the sum once, without stopping observers, so it
// may see the sum and the buckets a few concurrent observations apart (Prometheus tolerates
// this). _count is always emitted equal to the +Inf bucket (it is derived from the buckets).
//
// Thread safety: every method of both classes may be called from any thread at once.
#ifndef BERTH_MONITORING_HISTOGRAM_FAMILY_H_
#define BERTH_MONITORING_HISTOGRAM_FAMILY_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/collectable.h"
#include "prometheus/labels.h"
#include "prometheus/metric_family.h"

namespace berth::monitoring {

class HistogramFamily;

// One label set's buckets, count and sum. Made by HistogramFamily::Add only; holders keep it
// by shared_ptr, so observing after the family removed it is harmless (and not exported).
class Histogram {
 public:
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Observes `units` (a value of units * unit). The request path's call: no floating point.
  void ObserveUnits(int64_t units) {
    const size_t bucket = BucketOf(units);
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_units_.fetch_add(units, std::memory_order_relaxed);
  }
  // Observes `value` (in the family's exported unit, e.g. seconds), rounded to units.
  void Observe(double value);

  // The bounds as Add cleaned them (ascending, distinct, finite), without +Inf.
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class HistogramFamily;
  Histogram(std::vector<double> bounds, double unit);

  // The first bucket whose bound is >= units (bounds_.size() is the +Inf bucket).
  size_t BucketOf(int64_t units) const {
    return static_cast<size_t>(std::lower_bound(unit_bounds_.begin(), unit_bounds_.end(), units) -
                               unit_bounds_.begin());
  }
  // The exported sample: cumulative buckets, _sum (scaled), _count == the +Inf bucket.
  prometheus::ClientMetric::Histogram Snapshot() const;

  const std::vector<double> bounds_;
  const double unit_;
  // bounds_ in units: the largest unit count whose value is <= the bound.
  const std::vector<int64_t> unit_bounds_;
  // One per bound plus the +Inf bucket; not cumulative.
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<int64_t> sum_units_{0};
};

// A histogram metric's name, help and unit, and its live histograms by label set.
class HistogramFamily final : public prometheus::Collectable {
 public:
  // `unit`: the value of one observed unit in the exported unit (1e-9 for nanoseconds
  // exported as seconds, 1 for rows); must be positive and finite (else 1 is used).
  HistogramFamily(std::string name, std::string help, double unit);

  // The histogram of `labels`: the live one if that label set already has one (its bounds
  // kept), else a new one with `bounds`. Bounds are sorted and freed of duplicates and
  // non-finite values (the +Inf bucket is always there); label names must be valid
  // Prometheus label names other than `le` (the caller's code chooses them).
  std::shared_ptr<Histogram> Add(const prometheus::Labels& labels,
                                 const std::vector<double>& bounds);
  // Stops exporting `histogram` (if it is this family's); holders may still observe into it.
  void Remove(const std::shared_ptr<Histogram>& histogram);

  // One histogram MetricFamily with a sample per live label set (labels in name order).
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string name_;
  const std::string help_;
  const double unit_;
  mutable std::mutex mu_;
  std::map<prometheus::Labels, std::shared_ptr<Histogram>> live_;  // guarded by mu_
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_HISTOGRAM_FAMILY_H_
