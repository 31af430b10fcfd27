// berth::QLinearAdd (opset 1): the residual Add of a quantized network as one 8-bit
// element-wise kernel, what the QDQ pass (graph/passes/qdq_fusion.cc) makes of
// DequantizeLinear(a) + DequantizeLinear(b) [-> Relu] -> QuantizeLinear.
//   inputs:  A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point
//            (A and B uint8 or int8 of the same shape, no broadcasting; scales float scalars;
//            zero points scalars of their tensor's type; C_zero_point's type is C's, uint8
//            when it is absent)
//   output:  C = saturate(round(act(A_scale * (A - A_zp) + B_scale * (B - B_zp)) / C_scale)
//            + C_zp)
//   attribute: activation  string: "" (none) or "Relu"
// The layout does not matter (the pass runs it on channels-last tensors).
#ifndef BERTH_ENGINE_KERNELS_MATH_QLINEAR_ADD_H_
#define BERTH_ENGINE_KERNELS_MATH_QLINEAR_ADD_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterQLinearAdd(KernelRegistry& registry);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_QLINEAR_ADD_H_
