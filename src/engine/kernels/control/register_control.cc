#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/control/control_ops.h"

namespace berth::engine {

absl::Status RegisterControlFlowKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterIf(registry));
  RETURN_IF_ERROR(RegisterLoop(registry));
  RETURN_IF_ERROR(RegisterScan(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
