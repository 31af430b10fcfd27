// Pruning of ONNX models (`berth optimize --prune SPARSITY [--structured]`).
//
// Magnitude pruning (the default) zeroes, in every Conv / MatMul / Gemm weight that is a float
// initializer, the floor(n * sparsity) of its n elements with the smallest |w|. The threshold
// is per tensor (each weight loses the same fraction), not one global threshold: a global one
// prunes whole layers of small weights almost entirely (94% of MobileNetV2's classifier at
// 50%). A weight shared by several nodes is pruned once. The tensors keep their dense shapes,
// so the file is as large and a dense kernel as fast as before.
//
// Structured pruning removes, from every convolution it can rewrite consistently, the
// floor(C * sparsity) output channels of lowest L1 norm (of the weight's output-channel slice),
// and the matching input channels of whatever reads them: the model really shrinks (bytes and
// FLOPs). A convolution is rewritten when its output reaches, only through per-channel
// operators (BatchNormalization, unary activations such as Relu or Clip, Dropout, Identity,
// MaxPool / AveragePool / global pools, depthwise convolutions), convolutions with group 1
// (their input channels are removed) or Flatten(axis 1) -> Gemm / MatMul with a constant
// weight (the matching blocks of H*W weight rows or columns are removed). Anything else on
// the way (Add, Concat, a graph output, a grouped convolution, a non-constant weight) leaves
// that convolution whole, and the report says why. Grouped and depthwise convolutions are
// never pruned themselves. No fine-tuning happens: the removed channels' outputs are dropped.
//
// In both modes the first layer (a node whose data input is a graph input) is left as it is:
// it has few weights, each of which sees the raw input (on the digits CNN, pruning its 72
// weights too costs 2.5 top-1 points instead of 0.6).
//
// Only the top-level graph is pruned (not the bodies of If / Loop / Scan). Initializers with
// external data are refused: load them into the model first.
#ifndef BERTH_OPTIMIZE_PRUNE_H_
#define BERTH_OPTIMIZE_PRUNE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace berth::optimize {

struct PruneOptions {
  // Fraction of each weight's elements (magnitude) or of each convolution's output channels
  // (structured) removed: 0 <= sparsity < 1.
  double sparsity = 0.5;
  bool structured = false;
};

struct PruneReport {
  // Magnitude: weight tensors pruned and their elements. Structured: convolutions whose
  // output channels were removed and their weight elements before pruning.
  int64_t tensors = 0;
  int64_t weights = 0;
  int64_t zeroed = 0;            // magnitude: elements set to zero (0 when structured)
  int64_t channels_removed = 0;  // structured: output channels removed over all convolutions
  int64_t bytes_before = 0, bytes_after = 0;  // serialized size of the model
  // One line "NODE: reason" per node left as it was: the first layer (both modes), and, when
  // structured, each convolution that could not be rewritten.
  std::vector<std::string> skipped;
};

// Magnitude pruning (zero the smallest |w| of each Conv/MatMul/Gemm weight to `sparsity`)
// or, with structured, removal of the lowest-L1 output channels of convolutions (and the
// matching input channels of their consumers), shrinking the model.
// InvalidArgument when sparsity is not in [0, 1) or a weight cannot be read (naming it); the
// model is then left unchanged.
absl::StatusOr<PruneReport> PruneModel(onnx::ModelProto& model, const PruneOptions& options);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_PRUNE_H_
