// Statistics shared by the normalization kernels (BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization, MeanVarianceNormalization).
#ifndef BERTH_ENGINE_KERNELS_NN_NORM_STATS_H_
#define BERTH_ENGINE_KERNELS_NN_NORM_STATS_H_

#include <cstdint>

namespace berth::engine {

// Mean and population variance of x[0..n), two-pass in double for accuracy. n > 0.
// Eight independent partial sums per pass let the compiler vectorize the loops without
// reassociating one running sum (a serial chain of double adds made LayerNormalization 9% of
// an int8 BERT run).
template <typename T>
void MeanVariance(const T* x, int64_t n, double* mean, double* variance) {
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] += static_cast<double>(x[i + l]);
  }
  double sum = 0;
  for (; i < n; ++i) sum += static_cast<double>(x[i]);
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  const double m = sum / static_cast<double>(n);
  double sq_lanes[kLanes] = {};
  for (i = 0; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - m;
      sq_lanes[l] += d * d;
    }
  }
  double sq = 0;
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - m;
    sq += d * d;
  }
  for (int l = 0; l < kLanes; ++l) sq += sq_lanes[l];
  *mean = m;
  *variance = sq / static_cast<double>(n);
}

// Mean and population variance over `blocks` blocks of `n` values spaced `stride` apart
// (e.g. one channel across a batch). blocks * n > 0.
template <typename T>
void StridedMeanVariance(const T* x, int64_t blocks, int64_t stride, int64_t n, double* mean,
                         double* variance) {
  double sum = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[b * stride + i]);
  }
  const double count = static_cast<double>(blocks * n);
  const double m = sum / count;
  double sq = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    for (int64_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(x[b * stride + i]) - m;
      sq += d * d;
    }
  }
  *mean = m;
  *variance = sq / count;
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_NORM_STATS_H_
