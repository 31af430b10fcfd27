// The sequence category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/sequence/sequence_kernels.h"

namespace berth::engine {

absl::Status RegisterSequenceKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterSequenceEmpty(registry));
  RETURN_IF_ERROR(RegisterSequenceConstruct(registry));
  RETURN_IF_ERROR(RegisterSequenceInsert(registry));
  RETURN_IF_ERROR(RegisterSequenceErase(registry));
  RETURN_IF_ERROR(RegisterSequenceAt(registry));
  RETURN_IF_ERROR(RegisterSequenceLength(registry));
  RETURN_IF_ERROR(RegisterConcatFromSequence(registry));
  RETURN_IF_ERROR(RegisterSplitToSequence(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
