#include "common/status_macros.h"
#include "engine/kernels/categories.h"

namespace berth::engine {

absl::Status RegisterSignalKernels(KernelRegistry& registry) {
  return absl::OkStatus();
}

}  // namespace berth::engine
