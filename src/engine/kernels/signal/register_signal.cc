// The signal category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/signal/signal_kernels.h"

namespace berth::engine {

absl::Status RegisterSignalKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterDft(registry));
  RETURN_IF_ERROR(RegisterStft(registry));
  RETURN_IF_ERROR(RegisterWindows(registry));
  RETURN_IF_ERROR(RegisterMelWeightMatrix(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
