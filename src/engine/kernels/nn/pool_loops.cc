#include "engine/kernels/nn/pool_loops.h"

#include <cmath>
#include <limits>

namespace berth::engine {
namespace {

// The window padded to three spatial dims (leading dims of extent 1).
struct Geometry3 {
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1};
  int64_t d[3] = {1, 1, 1}, pb[3] = {0, 0, 0}, pe_attr[3] = {0, 0, 0};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
};

Geometry3 ToGeometry3(const Window& w) {
  Geometry3 g;
  for (int i = 0; i < w.rank; ++i) {
    int j = 3 - w.rank + i;
    g.in[j] = w.in[i];
    g.out[j] = w.out[i];
    g.k[j] = w.kernel[i];
    g.s[j] = w.stride[i];
    g.d[j] = w.dilation[i];
    g.pb[j] = w.pad_begin[i];
    g.pe_attr[j] = w.pad_end_attr[i];
  }
  return g;
}

double LpTerm(double v, float p) {
  v = std::fabs(v);
  if (p == 2.f) return v * v;
  if (p == 1.f) return v;
  return std::pow(v, static_cast<double>(p));
}

double LpRoot(double sum, float p) {
  if (p == 2.f) return std::sqrt(sum);
  if (p == 1.f) return sum;
  return std::pow(sum, 1.0 / p);
}

// The flat in-plane index of (i0, i1, i2) in the requested storage order; column-major
// counts the first real spatial dim fastest.
int64_t PlaneIndex(const Geometry3& g, int rank, int64_t i0, int64_t i1, int64_t i2,
                   int64_t storage_order) {
  if (storage_order == 0) return (i0 * g.in[1] + i1) * g.in[2] + i2;
  const int64_t idx[3] = {i0, i1, i2};
  int64_t flat = 0, stride = 1;
  for (int j = 3 - rank; j < 3; ++j) {
    flat += idx[j] * stride;
    stride *= g.in[j];
  }
  return flat;
}

template <typename T>
void PoolOnePlane(const PoolParams& params, const Geometry3& g, int rank, int64_t plane,
                  const T* x, T* y, int64_t* indices) {
  const T* xp = x + plane * g.in_size();
  T* yp = y + plane * g.out_size();
  for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
    for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
      for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
        const int64_t st[3] = {o0 * g.s[0] - g.pb[0], o1 * g.s[1] - g.pb[1],
                               o2 * g.s[2] - g.pb[2]};
        double acc = 0;
        int64_t valid = 0, padded_count = 1, best_index = -1;
        T best{};
        for (int j = 0; j < 3; ++j) {
          int64_t n = 0;
          for (int64_t kk = 0; kk < g.k[j]; ++kk) {
            int64_t i = st[j] + kk * g.d[j];
            n += i >= -g.pb[j] && i < g.in[j] + g.pe_attr[j];
          }
          padded_count *= n;
        }
        for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
          int64_t i0 = st[0] + k0 * g.d[0];
          if (i0 < 0 || i0 >= g.in[0]) continue;
          for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
            int64_t i1 = st[1] + k1 * g.d[1];
            if (i1 < 0 || i1 >= g.in[1]) continue;
            for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
              int64_t i2 = st[2] + k2 * g.d[2];
              if (i2 < 0 || i2 >= g.in[2]) continue;
              const T v = xp[(i0 * g.in[1] + i1) * g.in[2] + i2];
              if (params.kind == PoolKind::kMax) {
                if (valid == 0 || v > best) {
                  best = v;
                  best_index = PlaneIndex(g, rank, i0, i1, i2, params.storage_order);
                }
              } else if (params.kind == PoolKind::kAverage) {
                acc += static_cast<double>(v);
              } else {
                acc += LpTerm(static_cast<double>(v), params.p);
              }
              ++valid;
            }
          }
        }
        const int64_t o = (o0 * g.out[1] + o1) * g.out[2] + o2;
        if (params.kind == PoolKind::kMax) {
          yp[o] = best;
          if (indices != nullptr) {
            indices[plane * g.out_size() + o] =
                best_index < 0 ? -1 : plane * g.in_size() + best_index;
          }
        } else if (params.kind == PoolKind::kAverage) {
          int64_t divisor = params.count_include_pad ? padded_count : valid;
          yp[o] = static_cast<T>(divisor > 0 ? acc / divisor
                                             : std::numeric_limits<double>::quiet_NaN());
        } else {
          yp[o] = static_cast<T>(LpRoot(acc, params.p));
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void PoolPlanes(const PoolParams& params, const Window& window, int64_t planes, const T* x,
                T* y, int64_t* indices) {
  const Geometry3 g = ToGeometry3(window);
  int64_t window_size = g.k[0] * g.k[1] * g.k[2];
  bool parallel = planes > 1 && planes * g.out_size() * window_size > (1 << 16);
#pragma omp parallel for if (parallel)
  for (int64_t plane = 0; plane < planes; ++plane) {
    PoolOnePlane(params, g, window.rank, plane, x, y, indices);
  }
}

template <typename T>
void GlobalPoolPlanes(PoolKind kind, float p, int64_t planes, int64_t size, const T* x, T* y) {
  bool parallel = planes > 1 && planes * size > (1 << 16);
#pragma omp parallel for if (parallel)
  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* xp = x + plane * size;
    if (kind == PoolKind::kMax) {
      T best = size > 0 ? xp[0] : T{};
      for (int64_t i = 1; i < size; ++i) best = xp[i] > best ? xp[i] : best;
      y[plane] = best;
      continue;
    }
    double acc = 0;
    for (int64_t i = 0; i < size; ++i) {
      double v = static_cast<double>(xp[i]);
      acc += kind == PoolKind::kAverage ? v : LpTerm(v, p);
    }
    y[plane] = static_cast<T>(kind == PoolKind::kAverage ? acc / static_cast<double>(size)
                                                         : LpRoot(acc, p));
  }
}

#define BERTH_POOL_INSTANTIATE_(T)                                                           \
  template void PoolPlanes<T>(const PoolParams&, const Window&, int64_t, const T*, T*,      \
                              int64_t*);                                                    \
  template void GlobalPoolPlanes<T>(PoolKind, float, int64_t, int64_t, const T*, T*)
BERTH_POOL_INSTANTIATE_(float);
BERTH_POOL_INSTANTIATE_(double);
BERTH_POOL_INSTANTIATE_(int8_t);
BERTH_POOL_INSTANTIATE_(uint8_t);
#undef BERTH_POOL_INSTANTIATE_

}  // namespace berth::engine
