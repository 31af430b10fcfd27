// Linear quantization helpers shared by QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear, MatMulInteger and QLinearMatMul.
#ifndef BERTH_ENGINE_KERNELS_MATH_QUANT_UTIL_H_
#define BERTH_ENGINE_KERNELS_MATH_QUANT_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {

// round_half_to_even(v) + zero_point, saturated to Q's range (NaN becomes zero_point).
// F is float or double: the rounding happens in that precision.
template <typename Q, typename F = float>
inline Q SaturateRound(F v, int32_t zero_point) {
  if (v != v) v = F(0);
  F q = std::nearbyint(v) + static_cast<F>(zero_point);
  q = std::min(std::max(q, static_cast<F>(std::numeric_limits<Q>::lowest())),
               static_cast<F>(std::numeric_limits<Q>::max()));
  return static_cast<Q>(q);
}

// Element i of a scale or zero-point tensor of any numeric type, as float / int32.
float ElementAsFloat(const Tensor& t, int64_t i);
int32_t ElementAsInt32(const Tensor& t, int64_t i);

// Where each element of x finds its scale (and zero point): per tensor, per channel along
// `axis`, or per block of `block_size` elements along `axis`. x is viewed as
// [outer, d, inner] around the axis; element (o, j, i) uses parameter
//   o * outer_stride + (j / block) * d_stride + i * inner_stride.
struct QuantParamLayout {
  int64_t outer = 1, d = 1, inner = 1;
  int64_t block = 1;
  int64_t outer_stride = 0, d_stride = 0, inner_stride = 0;

  int64_t Index(int64_t o, int64_t j, int64_t i) const {
    return o * outer_stride + (j / block) * d_stride + i * inner_stride;
  }
};

// Checks `scale` (and `zero_point` when non-null: same shape) against x's shape and returns
// the layout. block_size 0 means per tensor (one-element scale) or per axis (1-D scale of
// x.dim(axis) elements); > 0 means blocked (scale of x's rank, ceil(d / block_size) along axis).
absl::StatusOr<QuantParamLayout> MakeQuantParamLayout(absl::string_view label,
                                                      absl::Span<const int64_t> x_shape,
                                                      const Tensor& scale, const Tensor* zero_point,
                                                      int64_t axis, int64_t block_size);

// "float8e4m3fn", "int4", ... for ONNX element types the engine does not have, else "".
const char* UnsupportedQuantTypeName(int64_t onnx_type);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_QUANT_UTIL_H_
