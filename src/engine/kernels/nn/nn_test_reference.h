// Test-only helpers for the nn kernels: random tensors and naive reference loops that the
// optimized kernels are checked against. Deliberately simple; never used by the kernels.
#ifndef BERTH_ENGINE_KERNELS_NN_NN_TEST_REFERENCE_H_
#define BERTH_ENGINE_KERNELS_NN_NN_TEST_REFERENCE_H_

#include <cstdint>
#include <random>
#include <vector>

#include "engine/core/tensor.h"

namespace berth::engine::testing {

// A float tensor of uniform values in [lo, hi), reproducible from `seed`.
inline Tensor RandomTensor(Shape shape, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t(DataType::kFloat, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.span<float>()) v = dist(rng);
  return t;
}

// Geometry of a naive N-D window op; spatial vectors have one entry per spatial dim.
struct RefWindow {
  std::vector<int64_t> strides, dilations, pads_begin, pads_end;
};

// Output extent of one spatial dim (floor mode).
// x [N, C, H, W] as [N, H, W, C], element by element.
inline Tensor ToNhwc(const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor y = RandomTensor({n, h, w, c}, 0);
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < h * w; ++p) {
        dst[(i * h * w + p) * c + ch] = src[(i * c + ch) * h * w + p];
      }
    }
  }
  return y;
}

inline int64_t RefOutDim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return (in + pb + pe - ((k - 1) * d + 1)) / s + 1;
}

// Naive grouped convolution: X (N, C, S...), W (M, C/group, K...), optional bias (M).
// Spatial rank 1..3.
inline Tensor RefConv(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group,
                      const RefWindow& win) {
  const int rank = x.rank() - 2;
  // Pad every geometry to 3 spatial dims so one loop nest serves 1-D, 2-D and 3-D.
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t pb[3] = {0, 0, 0}, out[3] = {1, 1, 1};
  for (int i = 0; i < rank; ++i) {
    int j = 3 - rank + i;
    in[j] = x.dim(2 + i);
    k[j] = w.dim(2 + i);
    s[j] = win.strides[i];
    d[j] = win.dilations[i];
    pb[j] = win.pads_begin[i];
    out[j] = RefOutDim(in[j], k[j], s[j], d[j], pb[j], win.pads_end[i]);
  }
  const int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0), cg = c / group, mg = m / group;
  Shape y_shape = {n, m};
  for (int i = 0; i < rank; ++i) y_shape.push_back(out[3 - rank + i]);
  Tensor y(DataType::kFloat, y_shape);
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            double acc = bias ? bias->data<float>()[oc] : 0.0;
            int64_t g = oc / mg;
            for (int64_t ic = 0; ic < cg; ++ic)
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    int64_t i0 = o0 * s[0] - pb[0] + k0 * d[0];
                    int64_t i1 = o1 * s[1] - pb[1] + k1 * d[1];
                    int64_t i2 = o2 * s[2] - pb[2] + k2 * d[2];
                    if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2]) {
                      continue;
                    }
                    int64_t xi = (((b * c + g * cg + ic) * in[0] + i0) * in[1] + i1) * in[2] + i2;
                    int64_t wi = (((oc * cg + ic) * k[0] + k0) * k[1] + k1) * k[2] + k2;
                    acc += static_cast<double>(xd[xi]) * wd[wi];
                  }
            yd[(((b * m + oc) * out[0] + o0) * out[1] + o1) * out[2] + o2] =
                static_cast<float>(acc);
          }
  return y;
}

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_KERNELS_NN_NN_TEST_REFERENCE_H_
