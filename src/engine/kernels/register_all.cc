// The one list of kernel categories. A new category adds a line here and in categories.h.
#include <cstdio>
#include <cstdlib>

#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterAllKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterElementwiseKernels(registry));
  RETURN_IF_ERROR(RegisterNnKernels(registry));
  RETURN_IF_ERROR(RegisterMathKernels(registry));
  RETURN_IF_ERROR(RegisterTensorKernels(registry));
  RETURN_IF_ERROR(RegisterIndexingKernels(registry));
  RETURN_IF_ERROR(RegisterRnnKernels(registry));
  RETURN_IF_ERROR(RegisterSignalKernels(registry));
  RETURN_IF_ERROR(RegisterTextKernels(registry));
  RETURN_IF_ERROR(RegisterControlFlowKernels(registry));
  RETURN_IF_ERROR(RegisterSequenceKernels(registry));
  return absl::OkStatus();
}

const KernelRegistry& GlobalKernelRegistry() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    absl::Status st = RegisterAllKernels(*r);
    if (!st.ok()) {
      // A registration conflict is a programming error in the registration list.
      fprintf(stderr, "berth: kernel registration failed: %s\n", st.ToString().c_str());
      std::abort();
    }
    return r;
  }();
  return *registry;
}

}  // namespace berth::engine
