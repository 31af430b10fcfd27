#include "engine/kernels/nn/int_conv.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth::engine {
namespace {

// problem dims padded to three spatial dims (leading ones).
struct Geometry {
  int64_t n, c, m, group, cg, mg;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t k_size() const { return k[0] * k[1] * k[2]; }
};

Geometry GeometryOf(const ConvProblem& p) {
  Geometry g;
  const int rank = static_cast<int>(p.src.size()) - 2;
  g.n = p.src[0];
  g.c = p.src[1];
  g.m = p.dst[1];
  g.group = p.group;
  g.cg = g.c / g.group;
  g.mg = g.m / g.group;
  const size_t first_k = p.weights.size() - rank;
  for (int i = 0; i < rank; ++i) {
    int j = 3 - rank + i;
    g.in[j] = p.src[2 + i];
    g.out[j] = p.dst[2 + i];
    g.k[j] = p.weights[first_k + i];
    g.s[j] = p.strides[i];
    g.d[j] = p.dilations[i] + 1;
    g.pb[j] = p.pad_l[i];
  }
  return g;
}

// cols[(ic * K + kk) * P + p] = x - x_zp at the input position output p reads through kernel
// offset kk, or 0 in the padding.
template <typename TX>
void Im2Col(const Geometry& g, const TX* x, int32_t x_zp, int32_t* cols) {
  const int64_t p_size = g.out_size();
  for (int64_t ic = 0; ic < g.cg; ++ic) {
    const TX* plane = x + ic * g.in_size();
    for (int64_t k0 = 0; k0 < g.k[0]; ++k0)
      for (int64_t k1 = 0; k1 < g.k[1]; ++k1)
        for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
          int32_t* row = cols + ((ic * g.k[0] + k0) * g.k[1] * g.k[2] + k1 * g.k[2] + k2) * p_size;
          for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
            const int64_t i0 = o0 * g.s[0] - g.pb[0] + k0 * g.d[0];
            for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
              const int64_t i1 = o1 * g.s[1] - g.pb[1] + k1 * g.d[1];
              int32_t* dst = row + (o0 * g.out[1] + o1) * g.out[2];
              const bool inside = i0 >= 0 && i0 < g.in[0] && i1 >= 0 && i1 < g.in[1];
              for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
                const int64_t i2 = o2 * g.s[2] - g.pb[2] + k2 * g.d[2];
                dst[o2] = inside && i2 >= 0 && i2 < g.in[2]
                              ? static_cast<int32_t>(plane[(i0 * g.in[1] + i1) * g.in[2] + i2]) -
                                    x_zp
                              : 0;
              }
            }
          }
        }
  }
}

template <typename TX, typename TW>
void Accumulate(const ConvProblem& problem, const TX* x, int32_t x_zp, const TW* w,
                const int32_t* w_zp, int32_t* acc, void* scratch) {
  const Geometry g = GeometryOf(problem);
  const int64_t kdim = g.cg * g.k_size();
  const int64_t p_size = g.out_size();
  int32_t* cols = static_cast<int32_t*>(scratch);
  int32_t* wk = cols + kdim * p_size;
  for (int64_t m = 0; m < g.m; ++m) {
    for (int64_t j = 0; j < kdim; ++j) {
      wk[m * kdim + j] = static_cast<int32_t>(w[m * kdim + j]) - w_zp[m];
    }
  }
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      Im2Col(g, x + (b * g.c + grp * g.cg) * g.in_size(), x_zp, cols);
      const bool parallel = g.mg > 1 && g.mg * kdim * p_size > (1 << 16);
#pragma omp parallel for if (parallel)
      for (int64_t mm = 0; mm < g.mg; ++mm) {
        const int64_t m = grp * g.mg + mm;
        int32_t* out = acc + (b * g.m + m) * p_size;
        std::fill(out, out + p_size, 0);
        const int32_t* wrow = wk + m * kdim;
        for (int64_t j = 0; j < kdim; ++j) {
          const int32_t wv = wrow[j];
          if (wv == 0) continue;
          const int32_t* col = cols + j * p_size;
          for (int64_t p = 0; p < p_size; ++p) out[p] += wv * col[p];
        }
      }
    }
  }
}

}  // namespace

absl::StatusOr<int32_t> ScalarZeroPoint(const Tensor* t, DataType type, const std::string& op,
                                        const char* name) {
  if (t == nullptr) return 0;
  if (t->dtype() != type || t->num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": ", name, " must be a single ",
                                                   DataTypeName(type), " value"));
  }
  return type == DataType::kInt8 ? static_cast<int32_t>(t->data<int8_t>()[0])
                                 : static_cast<int32_t>(t->data<uint8_t>()[0]);
}

absl::Status ChannelZeroPoints(const Tensor* t, DataType type, int64_t m, const std::string& op,
                               int32_t* out) {
  if (t == nullptr) {
    std::fill(out, out + m, 0);
    return absl::OkStatus();
  }
  const bool per_channel = t->rank() == 1 && t->num_elements() == m;
  if (t->dtype() != type || !(t->num_elements() == 1 || per_channel)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": the weights' zero point must be one ", DataTypeName(type), " value or ", m));
  }
  for (int64_t i = 0; i < m; ++i) {
    const int64_t j = t->num_elements() == 1 ? 0 : i;
    out[i] = type == DataType::kInt8 ? t->data<int8_t>()[j] : t->data<uint8_t>()[j];
  }
  return absl::OkStatus();
}

size_t IntConvScratchBytes(const ConvProblem& problem) {
  const Geometry g = GeometryOf(problem);
  const int64_t kdim = g.cg * g.k_size();
  return static_cast<size_t>(kdim * g.out_size() + g.m * kdim) * sizeof(int32_t);
}

void IntConvAccumulate(const ConvProblem& problem, const Tensor& x, int32_t x_zp,
                       const Tensor& w, const int32_t* w_zp, int32_t* acc, void* scratch) {
  const bool x_signed = x.dtype() == DataType::kInt8;
  const bool w_signed = w.dtype() == DataType::kInt8;
  if (x_signed && w_signed) {
    Accumulate(problem, x.data<int8_t>(), x_zp, w.data<int8_t>(), w_zp, acc, scratch);
  } else if (x_signed) {
    Accumulate(problem, x.data<int8_t>(), x_zp, w.data<uint8_t>(), w_zp, acc, scratch);
  } else if (w_signed) {
    Accumulate(problem, x.data<uint8_t>(), x_zp, w.data<int8_t>(), w_zp, acc, scratch);
  } else {
    Accumulate(problem, x.data<uint8_t>(), x_zp, w.data<uint8_t>(), w_zp, acc, scratch);
  }
}

}  // namespace berth::engine
