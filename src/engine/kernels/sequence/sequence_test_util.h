// Runs one node whose kernel reads or writes sequences of tensors, outside a model, for the
// sequence kernels' unit tests (RunNodeOnce handles tensors only).
#ifndef BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_TEST_UTIL_H_
#define BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/core/tensor_sequence.h"
#include "engine/graph/graph.h"

namespace berth::engine::testing {

// One input of the node under test: a tensor, a sequence, or neither (a missing optional
// input, whose name in the node must then be empty).
struct SeqArg {
  SeqArg() = default;
  SeqArg(const Tensor* t) : tensor(t) {}            // NOLINT: implicit for brace lists
  SeqArg(const TensorSequence* s) : sequence(s) {}  // NOLINT
  const Tensor* tensor = nullptr;
  const TensorSequence* sequence = nullptr;
};

// The outputs of the node: output i is tensors[i] or sequences[i], as its KernelDef declares
// (the other entry stays empty).
struct SeqResult {
  std::vector<Tensor> tensors;
  std::vector<TensorSequence> sequences;
};

// Finds `node`'s kernel in the global registry at `opset`, refuses inputs whose kind (tensor
// or sequence) differs from its KernelDef's as the runtime does at load, then creates the
// kernel and runs it once.
absl::StatusOr<SeqResult> RunSequenceNode(const Node& node, int opset,
                                          const std::vector<SeqArg>& inputs);

// A sequence of `dtype` holding copies of `tensors`.
TensorSequence MakeSequence(DataType dtype, const std::vector<const Tensor*>& tensors);

// Expects the same element type, length and elements (ExpectTensorNear per tensor).
void ExpectSequenceEq(const TensorSequence& actual, DataType dtype,
                      const std::vector<const Tensor*>& expected);

// Expects an InvalidArgument error whose message contains each of `pieces`.
void ExpectInvalidArgument(const absl::Status& status, const std::vector<std::string>& pieces);

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_TEST_UTIL_H_
