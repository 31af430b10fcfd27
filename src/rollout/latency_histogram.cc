#include "rollout/latency_histogram.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace berth::rollout {

int LatencyHistogram::BucketOf(double latency_us) {
  // NaN and everything below the first boundary (2^(1/8) us) land in bucket 0.
  if (!(latency_us >= 1.0)) return 0;
  const double b = std::floor(std::log2(latency_us) * kBucketsPerOctave);
  return static_cast<int>(std::clamp(b, 0.0, static_cast<double>(kBuckets - 1)));
}

double LatencyHistogram::Middle(int bucket) {
  return std::exp2((bucket + 0.5) / kBucketsPerOctave);
}

void LatencyHistogram::Add(double latency_us) {
  ++counts_[BucketOf(latency_us)];
  ++count_;
}

absl::Status LatencyHistogram::AddToBucket(int bucket, int64_t count) {
  if (bucket < 0 || bucket >= kBuckets || count < 0) {
    return absl::InvalidArgumentError(absl::StrCat("latency bucket ", bucket, " with count ", count,
                                                   " is outside [0, ", kBuckets, ") or negative"));
  }
  counts_[bucket] += count;
  count_ += count;
  return absl::OkStatus();
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int b = 0; b < kBuckets; ++b) counts_[b] += other.counts_[b];
  count_ += other.count_;
}

double LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  const double rank = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const int64_t wanted = std::max<int64_t>(1, static_cast<int64_t>(rank));
  int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= wanted) return Middle(b);
  }
  return Middle(kBuckets - 1);
}

}  // namespace berth::rollout
