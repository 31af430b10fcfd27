// Summary statistics of per-iteration latencies (`berth bench`, the validation latency check).
#ifndef BERTH_COMMON_LATENCY_STATS_H_
#define BERTH_COMMON_LATENCY_STATS_H_

#include <cstdint>
#include <vector>

namespace berth {

struct LatencyStats {
  double min_ms = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double throughput_per_s = 0;  // items (batch * runs) per second, from the mean
};

// The nearest-rank percentile `p` (0 < p <= 100) of `sorted` (ascending, non-empty): the
// smallest sample such that at least p% of the samples are <= it.
double NearestRankPercentile(const std::vector<double>& sorted, double p);

// Statistics of `samples_ms` (one per iteration; may be empty, which gives all zeros), for
// runs of `batch` items each.
LatencyStats ComputeLatencyStats(std::vector<double> samples_ms, int64_t batch);

}  // namespace berth

#endif  // BERTH_COMMON_LATENCY_STATS_H_
