// The activation functions of the recurrent operators (RNN, GRU, LSTM) and the parsing of their
// `activations`, `activation_alpha` and `activation_beta` attributes.
#ifndef BERTH_ENGINE_KERNELS_RNN_RNN_ACTIVATION_H_
#define BERTH_ENGINE_KERNELS_RNN_RNN_ACTIVATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

enum class RnnActivationKind {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus,
};

// One activation function with its parameters (unused ones are ignored).
struct RnnActivation {
  RnnActivationKind kind = RnnActivationKind::kTanh;
  float alpha = 0;
  float beta = 0;

  // Applies the function in place to x[0..n). When clip > 0 the inputs are first clamped to
  // [-clip, clip], as the ONNX recurrent operators specify.
  template <typename T>
  void Apply(T* x, int64_t n, float clip) const;
};

// Reads the activations of a recurrent node: `per_direction` functions for each of
// `num_directions` directions, in attribute order (direction-major). When the attribute is
// absent, `defaults` (per_direction names) is used for every direction; when it lists only one
// direction's functions for a bidirectional node, they are used for both directions.
//
// Names are matched case-insensitively. As in ONNX Runtime, `activation_alpha` and
// `activation_beta` are consumed in order by the functions that take the parameter; a function
// that finds the list exhausted uses its ONNX default. Fails with InvalidArgument for an unknown
// name or a wrong number of functions.
absl::StatusOr<std::vector<RnnActivation>> ParseRnnActivations(
    const KernelInfo& info, int num_directions, const std::vector<std::string>& defaults);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_RNN_RNN_ACTIVATION_H_
