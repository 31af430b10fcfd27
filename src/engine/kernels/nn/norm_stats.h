// Statistics shared by the normalization kernels (BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization, MeanVarianceNormalization).
#ifndef BERTH_ENGINE_KERNELS_NN_NORM_STATS_H_
#define BERTH_ENGINE_KERNELS_NN_NORM_STATS_H_

#include <cstdint>

namespace berth::engine {

// Mean and population variance of x[0..n), two-pass in double for accuracy. n > 0.
template <typename T>
void MeanVariance(const T* x, int64_t n, double* mean, double* variance) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const double m = sum / static_cast<double>(n);
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - m;
    sq += d * d;
  }
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
