// The arithmetic of quantization, as ONNX Runtime's quantization tools do it (contract C3):
// uint8 activations with a zero point from a calibrated range, int8 weights symmetric (zero
// point 0) per tensor or per output channel, int32 biases at scale x_scale * w_scale.
#ifndef BERTH_OPTIMIZE_QUANT_MATH_H_
#define BERTH_OPTIMIZE_QUANT_MATH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"

namespace berth::optimize {

// The observed range of an activation tensor.
struct TensorRange {
  float min = 0;
  float max = 0;
};

// uint8 affine parameters: real = (q - zero_point) * scale.
struct ActivationParams {
  float scale = 1;
  uint8_t zero_point = 0;
};

// The parameters covering `range` widened to include 0 (so that 0 is exact, as padding
// needs). A degenerate range (all zeros) gives scale 1. InvalidArgument when the range is
// not finite.
absl::StatusOr<ActivationParams> ComputeActivationParams(const TensorRange& range);

// A float weight quantized to int8, symmetric: q = round(w / scale[c]) in [-127, 127],
// zero point 0 (the range ends at -127 so that int8 x uint8 products never saturate the
// 16-bit sums of AVX2 kernels). One scale per slice along `axis` (per channel), or a single
// scale when axis is -1 (per tensor). A slice of zeros gets scale 1.
struct QuantizedWeight {
  engine::Tensor values;       // int8, the weight's shape
  engine::Tensor scales;       // float, [channels], or a scalar per tensor
  engine::Tensor zero_points;  // int8 zeros, shaped as scales
};

// InvalidArgument when `weight` is not float, `axis` is out of range, or it holds a value
// that is not finite.
absl::StatusOr<QuantizedWeight> QuantizeWeightSymmetric(const engine::Tensor& weight, int axis);

// An int32 bias: round(b[c] / (input_scale * weight_scales[c])), clamped to the int32 range;
// its scales tensor ([channels] float) and zero points (int32 zeros). `weight_scales` has one
// value per channel, or one for all.
struct QuantizedBias {
  engine::Tensor values;
  engine::Tensor scales;
  engine::Tensor zero_points;
  int64_t clamped = 0;  // values that did not fit (the float bias was very large)
};
absl::StatusOr<QuantizedBias> QuantizeBias(const engine::Tensor& bias, float input_scale,
                                           const engine::Tensor& weight_scales);

// The float32 values of a float, double, float16 or bfloat16 tensor, in order.
absl::StatusOr<std::vector<float>> FloatValues(const engine::Tensor& tensor);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_QUANT_MATH_H_
