#include "common/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace berth {

double NearestRankPercentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double n = static_cast<double>(sorted.size());
  // A small epsilon keeps exact ranks (p * n integral) from rounding up through FP error.
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

LatencyStats ComputeLatencyStats(std::vector<double> samples_ms, int64_t batch) {
  LatencyStats stats;
  if (samples_ms.empty()) return stats;
  std::sort(samples_ms.begin(), samples_ms.end());
  stats.min_ms = samples_ms.front();
  stats.max_ms = samples_ms.back();
  stats.mean_ms = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) /
                  static_cast<double>(samples_ms.size());
  stats.p50_ms = NearestRankPercentile(samples_ms, 50);
  stats.p90_ms = NearestRankPercentile(samples_ms, 90);
  stats.p99_ms = NearestRankPercentile(samples_ms, 99);
  if (stats.mean_ms > 0) {
    stats.throughput_per_s = 1000.0 * static_cast<double>(batch) / stats.mean_ms;
  }
  return stats;
}

}  // namespace berth
