// QLinearConv on oneDNN's int8 convolutions (VNNI): the fast path behind ONNX's QLinearConv
// and ConvInteger, and the fused form berth::QLinearConv that the QDQ pass
// (graph/passes/qdq_fusion.cc) makes.
//
// berth::QLinearConv (opset 1) has ONNX QLinearConv's inputs
//   x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B (optional)
// and computes y = saturate(round(act((conv(x - x_zp, w) + B) * x_scale * w_scale[m] / y_scale))
// + y_zp), with attributes: every Conv attribute, plus
//   activation     string: "" (none) or "Relu" (applied before the output zero point)
//   channels_last  int: 1 when x and y are N, spatial..., C (core/channels_last.h); default 0.
// With 1-D weights [M, C, 1], x may also be [N, C] and y is then [N, M]: a fully connected
// layer (what the pass makes of a quantized Gemm).
//
// The oneDNN path needs constant quantization parameters (scalar x/y scales and zero points,
// w_scale per tensor or per output channel), constant int8 weights with zero points 0, and a
// constant int32 bias; weights are reordered once per input shape into oneDNN's format.
#ifndef BERTH_ENGINE_KERNELS_NN_QLINEAR_CONV_H_
#define BERTH_ENGINE_KERNELS_NN_QLINEAR_CONV_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// The oneDNN kernel for a QLinearConv-shaped node, or null when the node is a case the oneDNN
// path does not cover (see the file comment) and the reference loop must run it. Fails with
// InvalidArgument when attributes are invalid. Consumes the constant weights and bias.
absl::StatusOr<std::unique_ptr<Kernel>> MaybeCreateDnnlQLinearConv(KernelInfo& info);

// The same for ConvInteger (int32 output, the accumulator itself): x uint8 or int8 with a
// constant scalar zero point, constant int8 weights with zero point 0 or uint8 weights with
// zero point 128.
absl::StatusOr<std::unique_ptr<Kernel>> MaybeCreateDnnlConvInteger(KernelInfo& info);

// Registers berth::QLinearConv (uint8 and int8 x). Its factory fails, naming the reason,
// when the node is not a case the oneDNN path covers.
absl::Status RegisterBerthQLinearConv(KernelRegistry& registry);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_QLINEAR_CONV_H_
