// The integer convolution shared by ConvInteger and QLinearConv: int32 accumulation of
// (x - x_zero_point) * (w - w_zero_point[m]) by im2col and an int32 matrix product.
#ifndef BERTH_ENGINE_KERNELS_NN_INT_CONV_H_
#define BERTH_ENGINE_KERNELS_NN_INT_CONV_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/nn/conv_primitive.h"

namespace berth::engine {

// Reads a zero point that is a scalar (or a one-element tensor), or fills 0 when `t` is null.
// Fails unless `t` has `type` and one element.
absl::StatusOr<int32_t> ScalarZeroPoint(const Tensor* t, DataType type, const std::string& op,
                                        const char* name);

// Fills `out` (m values) with w's zero points: one scalar for all, or one per output channel
// (a 1-D tensor of m values); 0 when `t` is null.
absl::Status ChannelZeroPoints(const Tensor* t, DataType type, int64_t m, const std::string& op,
                               int32_t* out);

// Scratch bytes IntConvAccumulate needs for `problem`.
size_t IntConvScratchBytes(const ConvProblem& problem);

// acc (the dst shape of `problem`, int32) = the convolution of (x - x_zp) with (w - w_zp[m]).
// x and w are int8 or uint8 tensors matching `problem`; `scratch` holds
// IntConvScratchBytes(problem) bytes. Padding contributes zero.
void IntConvAccumulate(const ConvProblem& problem, const Tensor& x, int32_t x_zp,
                       const Tensor& w, const int32_t* w_zp, int32_t* acc, void* scratch);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_INT_CONV_H_
