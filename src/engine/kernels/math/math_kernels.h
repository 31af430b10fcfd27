// Registration functions of the math kernels (matrix products, softmax family, reductions,
// quantization, losses). register_math.cc calls each of them.
//
// Beyond ONNX, this category registers berth::FusedMatMul (opset 1, float32), the target of
// the graph pass that fuses MatMul/Gemm with what follows:
//   inputs:  A, B, optional bias, optional residual
//   attrs:   transA, transB (ints, default 0), alpha, beta (floats, default 1),
//            activation ("" | "Relu" | "Gelu" | "GeluTanh" | "Tanh" | "Sigmoid"),
//            residual_before_activation (int, default 0)
//   Y = act(alpha * op(A) op(B) + beta * bias) + residual      (residual_before_activation 0)
//   Y = act(alpha * op(A) op(B) + beta * bias + residual)      (residual_before_activation 1)
// A and B follow MatMul's numpy rules (batch broadcasting, 1-D operands); bias and residual
// must broadcast unidirectionally to Y's shape.
//
// And berth::DynamicQuantizeMatMul (opset 1, float32), the target of the pass that fuses
// ONNX Runtime's dynamic quantization pattern (graph/passes/qmatmul_fusion.cc):
//   inputs:  X (float32 [..., K]), W (constant int8/uint8 [K, N]), W_scale (constant float32,
//            1 or N), optional W_zero_point (constant: one value, or N with every
//            W - W_zero_point in int8),
//            optional bias (float32, 1 or N along the last dim), optional residual
//   attrs:   activation, residual_before_activation (as FusedMatMul)
//   (xq, x_scale, x_zp) = DynamicQuantizeLinear(X)
//   P = x_scale * W_scale * float(MatMulInteger(xq, W, x_zp, W_zero_point)) + bias
//   Y = act(P) + residual  or  act(P + residual)
#ifndef BERTH_ENGINE_KERNELS_MATH_MATH_KERNELS_H_
#define BERTH_ENGINE_KERNELS_MATH_MATH_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterMatMul(KernelRegistry& registry);       // matmul.cc
absl::Status RegisterFusedMatMul(KernelRegistry& registry);  // matmul.cc
absl::Status RegisterGemm(KernelRegistry& registry);         // gemm.cc
absl::Status RegisterSoftmax(KernelRegistry& registry);      // softmax.cc: + LogSoftmax, Hardmax
absl::Status RegisterReduce(KernelRegistry& registry);       // reduce.cc: the ten Reduce* ops
absl::Status RegisterArgMinMax(KernelRegistry& registry);    // arg_reduce.cc: ArgMax, ArgMin
absl::Status RegisterTopK(KernelRegistry& registry);         // topk.cc
absl::Status RegisterCumSum(KernelRegistry& registry);       // cumsum.cc
absl::Status RegisterDet(KernelRegistry& registry);          // det.cc
// quantize.cc: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.
absl::Status RegisterQuantize(KernelRegistry& registry);
// qmatmul.cc: MatMulInteger, QLinearMatMul.
absl::Status RegisterQuantizedMatMul(KernelRegistry& registry);
// dynamic_qmatmul.cc: berth::DynamicQuantizeMatMul.
absl::Status RegisterDynamicQuantizeMatMul(KernelRegistry& registry);
absl::Status RegisterEinsum(KernelRegistry& registry);  // einsum.cc
// loss.cc: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.
absl::Status RegisterLosses(KernelRegistry& registry);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_MATH_KERNELS_H_
