// Structured (channel) pruning of convolutions: the --structured half of PruneModel
// (prune.h says what is removed and when a convolution is left whole).
#ifndef BERTH_OPTIMIZE_CHANNEL_PRUNE_H_
#define BERTH_OPTIMIZE_CHANNEL_PRUNE_H_

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"
#include "optimize/prune.h"

namespace berth::optimize::prune_internal {

// Removes from each convolution of `graph` that can be rewritten the floor(C * sparsity)
// output channels of lowest L1 norm, and the matching input channels of its consumers;
// counts them in `report` (tensors, weights, channels_removed, skipped). InvalidArgument
// naming the tensor when a weight that must change cannot be read.
absl::Status PruneChannels(onnx::GraphProto& graph, double sparsity, PruneReport* report);

}  // namespace berth::optimize::prune_internal

#endif  // BERTH_OPTIMIZE_CHANNEL_PRUNE_H_
