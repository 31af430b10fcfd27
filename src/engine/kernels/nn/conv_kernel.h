// The float convolution kernel behind Conv (domain "") and FusedConv (domain "berth"): oneDNN
// convolution_forward, weights packed once into oneDNN's preferred format when they are
// constant, one prepared primitive per input shape.
#ifndef BERTH_ENGINE_KERNELS_NN_CONV_KERNEL_H_
#define BERTH_ENGINE_KERNELS_NN_CONV_KERNEL_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/nn/conv_primitive.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/packed_weights.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {

struct ConvKernelOptions {
  std::string op;  // for messages: "Conv", "FusedConv"
  WindowAttrs window;
  int64_t group = 1;
  ConvFusion fusion;
  int sum_input = -1;  // index of the residual input, -1 when none
  // Forces the activation layout; by default PreferredLayout decides per input shape.
  std::optional<ActivationLayout> layout;
  // X, Sum and Y are channels-last tensors (core/channels_last.h); oneDNN then runs on them
  // in place, without reorders.
  bool channels_last = false;
};

// Inputs X, W, B (optional), and the residual at options.sum_input when fusion.has_sum; all
// float. Thread-safe: Compute may run concurrently.
class ConvKernel : public Kernel {
 public:
  explicit ConvKernel(ConvKernelOptions options);
  ~ConvKernel() override;

  // Packs constant weights at load, so that runs never reorder them and the kernel needs no
  // other copy (Compute then accepts input W missing). Fails only on invalid weights (rank,
  // group); a format oneDNN later prefers for a given input shape is derived from the packed
  // copy once, on first use of that shape.
  absl::Status PackConstantWeights(const Tensor& w);

  absl::Status Compute(KernelContext& ctx) const override;

  struct Plan;

 private:
  absl::Status Run(KernelContext& ctx) const;
  ActivationLayout LayoutFor(const ConvProblem& problem) const;
  // `x_shape` is X's logical N, C, spatial... shape whatever the layout.
  absl::StatusOr<std::unique_ptr<Plan>> MakePlan(KernelContext& ctx,
                                                 absl::Span<const int64_t> x_shape,
                                                 absl::Span<const int64_t> w_shape,
                                                 bool has_bias) const;

  ConvKernelOptions options_;
  PackedWeightsCache packed_;  // empty: the weights come at run time
  Shape packed_shape_;         // W's shape when packed_ holds it
  ShapeCache<Plan> plans_;
};

// Builds a ConvKernel for a Conv-like node: reads the window attributes and group, and packs
// W when it is a constant (consuming that input, so the runtime can free the original).
// `fusion` and `sum_input` as in ConvKernelOptions.
absl::StatusOr<std::unique_ptr<Kernel>> CreateConvKernel(KernelInfo& info, ConvFusion fusion,
                                                         int sum_input);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_CONV_KERNEL_H_
