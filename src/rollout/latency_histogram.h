// A latency histogram with fixed, log-spaced buckets, so that histograms from several
// servers add up bucket by bucket and the p99 of the sum is the fleet's p99.
//
// Bucket b (1 <= b < kBuckets - 1) holds latencies in [2^(b/8), 2^((b+1)/8)) microseconds:
// each bucket is 2^(1/8) = 1.0905 times as wide as the one before (9% wide). Bucket 0 holds
// everything below 2^(1/8) us (about 1.09 us, including 0 and bad values), and the last
// bucket everything from 2^((kBuckets-1)/8) us (about 123 s) up.
//
// Precision: a quantile is the geometric middle of the bucket that holds the sample of that
// rank (nearest rank, as a sorted list of the samples would give), so for latencies between
// 1 us and 123 s it is within a factor 2^(1/16) = 1.0443 (4.4%) of that sample; a ratio of
// two quantiles is within 2^(1/8) (9%) of the samples' ratio. Below 1 us it says 1.04 us;
// past 123 s it says the overflow bucket's middle (128.5 s).
//
// Not thread-safe (RolloutMonitor guards its own).
#ifndef BERTH_ROLLOUT_LATENCY_HISTOGRAM_H_
#define BERTH_ROLLOUT_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"

namespace berth::rollout {

class LatencyHistogram {
 public:
  static constexpr int kBucketsPerOctave = 8;
  static constexpr int kBuckets = 27 * kBucketsPerOctave;  // the last starts at 2^26.875 us

  // The bucket of a latency in microseconds.
  static int BucketOf(double latency_us);
  // The geometric middle of bucket `b`: what a quantile falling in it reports.
  static double Middle(int bucket);

  void Add(double latency_us);
  // Adds `count` latencies to `bucket` (a histogram read back from storage).
  // InvalidArgument for a bucket outside [0, kBuckets) or a negative count.
  absl::Status AddToBucket(int bucket, int64_t count);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  int64_t at(int bucket) const { return counts_[bucket]; }
  // The `q` quantile (0 < q <= 1) by nearest rank: the middle of the bucket holding the
  // ceil(q * count)-th smallest latency. 0 when empty.
  double Quantile(double q) const;

  bool operator==(const LatencyHistogram& other) const = default;

 private:
  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
};

}  // namespace berth::rollout

#endif  // BERTH_ROLLOUT_LATENCY_HISTOGRAM_H_
