// The fast form of DynamicQuantizeLinear's arithmetic (uint8, per tensor), shared by the fused
// dynamically quantized matmul and the standalone DynamicQuantizeLinear kernel (quantize.cc):
//   scale = (max(x, 0) - min(x, 0)) / 255   (1 / 255 when that range is empty)
//   zero_point = round(clamp(-min(x, 0) / scale, 0, 255))
//   q = saturate(round(x / scale) + zero_point)
// with rounding half to even, exactly as the reference kernel in quantize.cc computes it
// (the same division; qmatmul_test checks it against a scalar reference). Vectorized with AVX-512
// where the build targets it; a scalar loop otherwise.
#ifndef BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_
#define BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_

#include <cstdint>

namespace berth::engine {

struct DynamicQuantParams {
  float scale = 1.0f / 255.0f;
  int32_t zero_point = 0;  // in [0, 255]
};

// min(x[0, n), 0) and max(x[0, n), 0). NaNs are ignored (as std::min/std::max leave the
// running value when compared with NaN).
struct DynamicQuantRange {
  float lo = 0.0f;
  float hi = 0.0f;
};
DynamicQuantRange ComputeDynamicQuantRange(const float* x, int64_t n);

// The scale and zero point of a range (the ranges of pieces of x combine by min and max).
DynamicQuantParams DynamicQuantParamsFromRange(const DynamicQuantRange& range);

// The scale and zero point DynamicQuantizeLinear derives from x[0, n):
// DynamicQuantParamsFromRange(ComputeDynamicQuantRange(x, n)).
DynamicQuantParams ComputeDynamicQuantParams(const float* x, int64_t n);

// out[i] = saturate(round_half_even(x[i] / p.scale) + p.zero_point) for i in [0, n); a NaN
// input becomes the zero point.
void QuantizeToUint8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* out);

// DynamicQuantizeLinear of x[0, n) into out[0, n): ComputeDynamicQuantParams then
// QuantizeToUint8, over blocks split between the OpenMP team when n is large (the result is
// the same whatever the split). Returns the parameters.
DynamicQuantParams DynamicQuantize(const float* x, int64_t n, uint8_t* out);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_
