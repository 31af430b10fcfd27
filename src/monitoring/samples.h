// Building the families a prometheus::Collectable returns at scrape time (values sampled then,
// not kept live): a family, then one sample per label set.
//
//   prometheus::MetricFamily depth = SampledFamily("berth_queue_depth", "...",
//                                                  prometheus::MetricType::Gauge);
//   AddSample(depth, {{"model", "resnet"}, {"version", "3"}}, 4);
#ifndef BERTH_MONITORING_SAMPLES_H_
#define BERTH_MONITORING_SAMPLES_H_

#include <string>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"

namespace berth::monitoring {

using SampleLabels = std::vector<std::pair<std::string, std::string>>;

// An empty family; `type` is Gauge or Counter (the only kinds AddSample fills).
prometheus::MetricFamily SampledFamily(std::string name, std::string help,
                                       prometheus::MetricType type);

// Appends one sample with `labels` (names as given, in order) and `value`.
void AddSample(prometheus::MetricFamily& family, const SampleLabels& labels, double value);

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_SAMPLES_H_
