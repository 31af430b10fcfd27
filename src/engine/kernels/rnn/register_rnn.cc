// The recurrent category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/rnn/rnn_kernels.h"

namespace berth::engine {

absl::Status RegisterRnnKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterRnn(registry));
  RETURN_IF_ERROR(RegisterGru(registry));
  RETURN_IF_ERROR(RegisterLstm(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
