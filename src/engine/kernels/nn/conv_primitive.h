// Building oneDNN convolution primitives, with the post-ops a graph pass can fuse into them.
//
// The fused form is exposed to graphs as the op "FusedConv" in domain "berth" (opset 1):
//   inputs:  X, W, B (optional, may be ""), Sum (optional): the residual, same shape as Y
//   output:  Y = Activation(Conv(X, W) + B + Sum)
//   attributes: every Conv attribute, plus
//     activation  string: "" (none), "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
//                 "HardSigmoid", "HardSwish", "Elu"
//     alpha       float: LeakyRelu slope (default 0.01), Elu alpha (1.0), HardSigmoid alpha (0.2)
//     beta        float: HardSigmoid beta (default 0.5)
//     min, max    floats: Clip bounds (default -inf, +inf)
//     channels_last  int: 1 when X, Sum and Y are channels-last (N, spatial..., C; see
//                 core/channels_last.h); W keeps ONNX's layout. Default 0.
// A pass fusing Conv+Relu sets activation="Relu"; Conv+Add+Relu moves the Add's other operand
// to the Sum input. Opset-11 Clip takes its bounds as inputs: the pass copies constant bounds
// into min/max and must not fuse a Clip whose bounds are not constant.
#ifndef BERTH_ENGINE_KERNELS_NN_CONV_PRIMITIVE_H_
#define BERTH_ENGINE_KERNELS_NN_CONV_PRIMITIVE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dnnl.hpp"
#include "engine/kernels/kernel.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {

enum class ConvActivation {
  kNone,
  kRelu,
  kLeakyRelu,
  kClip,
  kSigmoid,
  kTanh,
  kHardSigmoid,
  kHardSwish,
  kElu,
};

// What runs after the convolution and its bias, in this order: dst += Sum, then activation.
struct ConvFusion {
  ConvActivation activation = ConvActivation::kNone;
  float alpha = 0.f;  // LeakyRelu slope, Elu alpha, HardSigmoid alpha, Clip min
  float beta = 0.f;   // HardSigmoid beta, Clip max
  bool has_sum = false;
};

// Reads the activation attributes of a FusedConv node (see the file comment). has_sum is left
// false: whether a Sum input exists is the caller's business. Fails with InvalidArgument for
// an unknown activation name or min > max.
absl::StatusOr<ConvFusion> ReadConvFusion(const KernelInfo& info);

// Appends the fusion's post-ops (sum, then the activation) to `ops`.
void AppendFusionPostOps(const ConvFusion& fusion, dnnl::post_ops& ops);

// The fusion's activation applied to one value: the reference the tests and any non-oneDNN
// path use.
float ApplyActivation(const ConvFusion& fusion, float x);

// One convolution problem in oneDNN's terms, for NC<spatial> tensors.
struct ConvProblem {
  dnnl::memory::dims src, weights, bias, dst;  // weights grouped (g, O/g, I/g, ...) if group > 1
  dnnl::memory::dims strides, dilations, pad_l, pad_r;  // dilations as oneDNN's (d - 1)
  int64_t group = 1;
  bool has_bias() const { return !bias.empty(); }
};

// Checks X and W against each other and the attributes and describes the problem. `x` and `w`
// are the full input shapes; `kernel_shape` is the node's attribute (empty when absent).
// Fails with InvalidArgument naming `op` when the shapes do not fit.
absl::StatusOr<ConvProblem> MakeConvProblem(const std::string& op, absl::Span<const int64_t> x,
                                            absl::Span<const int64_t> w, bool has_bias,
                                            int64_t group, const WindowAttrs& attrs);

// Where activations live while a convolution runs: the caller's plain NC<spatial> layout,
// channels-last (N<spatial>C), or whichever layout oneDNN prefers (reordered in and out by the
// caller).
enum class ActivationLayout { kPlain, kChannelsLast, kAny };

// The layout that runs `problem` fastest when activations arrive and leave in plain layout
// (measured with oneDNN 2.6 on AVX-512, 1 and 2 threads): plain for pointwise (1x1, ungrouped)
// convolutions with outputs of at least 10x10, which then run as one GEMM without reorders
// (1.2-1.8x faster on ResNet-50's 56x56..14x14 layers); oneDNN's choice (nhwc) for everything
// else, where the direct kernels beat im2col+GEMM by more than the two reorders cost (3x3:
// 1.3-1.5x, depthwise: 3-5x, 1x1 on 7x7: 1.2-1.3x). A fused activation also rules out the
// GEMM path, which applies it element by element (about 3x slower: 1x1 96->576 at 14x14,
// 241 us without the activation, 763 us with it).
ActivationLayout PreferredLayout(const ConvProblem& problem, const ConvFusion& fusion);

// The forward-inference convolution primitive descriptor for `problem`: weights in the format
// oneDNN prefers, src/dst per `layout`, a user-provided scratchpad, and the fusion's post-ops.
// Throws dnnl::error; call it inside RunCatching.
dnnl::convolution_forward::primitive_desc MakeConvPrimitiveDesc(const ConvProblem& problem,
                                                                const ConvFusion& fusion,
                                                                ActivationLayout layout,
                                                                const dnnl::engine& engine);

// The plain (user) memory descriptor of the problem's weights: oihw-like, or goihw-like when
// grouped.
dnnl::memory::desc PlainWeightsDesc(const ConvProblem& problem);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_CONV_PRIMITIVE_H_
