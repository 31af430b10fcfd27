// The sequence operators (default ONNX domain, opsets 11-21, any element type). Sequences of
// tensors flow only inside a graph (see ExecutionPlan); these kernels read and write them
// through KernelContext::InputSequence / OutputSequence.
//   SequenceEmpty       -> sequence                      construct.cc
//   SequenceConstruct   tensors -> sequence              construct.cc
//   SequenceInsert      sequence, tensor[, position] -> sequence        insert_erase.cc
//   SequenceErase       sequence[, position] -> sequence                insert_erase.cc
//   SequenceAt          sequence, position -> tensor     at_length.cc
//   SequenceLength      sequence -> int64 scalar         at_length.cc
//   ConcatFromSequence  sequence -> tensor               concat_from_sequence.cc
//   SplitToSequence     tensor[, split] -> sequence      split_to_sequence.cc
#ifndef BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_KERNELS_H_
#define BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterSequenceEmpty(KernelRegistry& registry);       // construct.cc
absl::Status RegisterSequenceConstruct(KernelRegistry& registry);   // construct.cc
absl::Status RegisterSequenceInsert(KernelRegistry& registry);      // insert_erase.cc
absl::Status RegisterSequenceErase(KernelRegistry& registry);       // insert_erase.cc
absl::Status RegisterSequenceAt(KernelRegistry& registry);          // at_length.cc
absl::Status RegisterSequenceLength(KernelRegistry& registry);      // at_length.cc
absl::Status RegisterConcatFromSequence(KernelRegistry& registry);  // concat_from_sequence.cc
absl::Status RegisterSplitToSequence(KernelRegistry& registry);     // split_to_sequence.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_KERNELS_H_
