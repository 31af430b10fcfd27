// The fast form of DynamicQuantizeLinear's arithmetic (uint8, per tensor), shared by the fused
// dynamically quantized matmul and usable by the standalone kernel:
//   scale = (max(x, 0) - min(x, 0)) / 255   (1 / 255 when that range is empty)
//   zero_point = round(clamp(-min(x, 0) / scale, 0, 255))
//   q = saturate(round(x / scale) + zero_point)
// with rounding half to even, exactly as the reference kernel in quantize.cc computes it
// (the same division, so results are bit-identical). Vectorized with AVX-512 where the build
// targets it; a scalar loop otherwise.
#ifndef BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_
#define BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_

#include <cstdint>

namespace berth::engine {

struct DynamicQuantParams {
  float scale = 1.0f / 255.0f;
  int32_t zero_point = 0;  // in [0, 255]
};

// The scale and zero point DynamicQuantizeLinear derives from x[0, n). NaNs are ignored by
// the range (as std::min/std::max leave the running value when compared with NaN).
DynamicQuantParams ComputeDynamicQuantParams(const float* x, int64_t n);

// out[i] = saturate(round_half_even(x[i] / p.scale) + p.zero_point) for i in [0, n); a NaN
// input becomes the zero point.
void QuantizeToUint8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* out);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_DYNAMIC_QUANTIZE_H_
