#include "optimize/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace berth::optimize {

using engine::DataType;
using engine::Tensor;

absl::StatusOr<ActivationParams> ComputeActivationParams(const TensorRange& range) {
  if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("range [", range.min, ", ", range.max, "] is not a finite interval"));
  }
  const double lo = std::min<double>(range.min, 0.0);
  const double hi = std::max<double>(range.max, 0.0);
  ActivationParams params;
  if (hi - lo <= std::numeric_limits<float>::min()) return params;  // all zeros
  params.scale = static_cast<float>((hi - lo) / 255.0);
  const double zp = std::round(-lo / params.scale);
  params.zero_point = static_cast<uint8_t>(std::clamp(zp, 0.0, 255.0));
  return params;
}

absl::StatusOr<std::vector<float>> FloatValues(const Tensor& tensor) {
  std::vector<float> out(tensor.num_elements());
  switch (tensor.dtype()) {
    case DataType::kFloat:
      std::copy_n(tensor.data<float>(), out.size(), out.begin());
      break;
    case DataType::kDouble:
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(tensor.data<double>()[i]);
      break;
    case DataType::kFloat16:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<float>(tensor.data<engine::Float16>()[i]);
      }
      break;
    case DataType::kBFloat16:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<float>(tensor.data<engine::BFloat16>()[i]);
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("expected a floating-point tensor, got ",
                                                     engine::DataTypeName(tensor.dtype())));
  }
  return out;
}

absl::StatusOr<QuantizedWeight> QuantizeWeightSymmetric(const Tensor& weight, int axis) {
  if (weight.dtype() != DataType::kFloat) {
    return absl::InvalidArgumentError(
        absl::StrCat("weight is ", engine::DataTypeName(weight.dtype()), ", expected float"));
  }
  if (axis < -1 || axis >= weight.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " is out of range for a weight of rank ", weight.rank()));
  }
  const int64_t channels = axis < 0 ? 1 : weight.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; d < weight.rank() && axis >= 0; ++d) inner *= weight.dim(d);
  if (axis < 0) inner = weight.num_elements();
  const float* w = weight.data<float>();
  const int64_t n = weight.num_elements();
  std::vector<float> absmax(channels, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(w[i])) {
      return absl::InvalidArgumentError(absl::StrCat("weight element ", i, " is not finite"));
    }
    const int64_t c = channels == 1 ? 0 : (i / inner) % channels;
    absmax[c] = std::max(absmax[c], std::fabs(w[i]));
  }
  QuantizedWeight q;
  engine::Shape scale_shape;
  if (axis >= 0) scale_shape = {channels};
  q.scales = Tensor(DataType::kFloat, scale_shape);
  q.zero_points = Tensor(DataType::kInt8, scale_shape);
  for (int64_t c = 0; c < channels; ++c) {
    q.scales.data<float>()[c] = absmax[c] > 0 ? absmax[c] / 127.0f : 1.0f;
    q.zero_points.data<int8_t>()[c] = 0;
  }
  q.values = Tensor(DataType::kInt8, weight.shape());
  int8_t* out = q.values.data<int8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = channels == 1 ? 0 : (i / inner) % channels;
    const float v = std::nearbyint(w[i] / q.scales.data<float>()[c]);
    out[i] = static_cast<int8_t>(std::clamp(v, -127.0f, 127.0f));
  }
  return q;
}

absl::StatusOr<QuantizedBias> QuantizeBias(const Tensor& bias, float input_scale,
                                           const Tensor& weight_scales) {
  if (bias.dtype() != DataType::kFloat || bias.rank() != 1) {
    return absl::InvalidArgumentError("bias is not a 1-D float tensor");
  }
  const int64_t channels = bias.dim(0);
  const int64_t scales = weight_scales.num_elements();
  if (scales != 1 && scales != channels) {
    return absl::InvalidArgumentError(
        absl::StrCat("bias has ", channels, " values but the weight ", scales, " scales"));
  }
  QuantizedBias q;
  q.values = Tensor(DataType::kInt32, {channels});
  q.scales = Tensor(DataType::kFloat, {channels});
  q.zero_points = Tensor(DataType::kInt32, {channels});
  for (int64_t c = 0; c < channels; ++c) {
    const float ws = weight_scales.data<float>()[scales == 1 ? 0 : c];
    const double scale = static_cast<double>(input_scale) * ws;
    const float b = bias.data<float>()[c];
    if (!std::isfinite(b)) {
      return absl::InvalidArgumentError(absl::StrCat("bias element ", c, " is not finite"));
    }
    double v = std::nearbyint(b / scale);
    constexpr double kMax = std::numeric_limits<int32_t>::max();
    constexpr double kMin = std::numeric_limits<int32_t>::min();
    if (v > kMax || v < kMin) ++q.clamped;
    q.values.data<int32_t>()[c] = static_cast<int32_t>(std::clamp(v, kMin, kMax));
    q.scales.data<float>()[c] = static_cast<float>(scale);
    q.zero_points.data<int32_t>()[c] = 0;
  }
  return q;
}

}  // namespace berth::optimize
