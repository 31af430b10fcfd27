// The math category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/math/math_kernels.h"

namespace berth::engine {

absl::Status RegisterMathKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterMatMul(registry));
  RETURN_IF_ERROR(RegisterFusedMatMul(registry));
  RETURN_IF_ERROR(RegisterGemm(registry));
  RETURN_IF_ERROR(RegisterSoftmax(registry));
  RETURN_IF_ERROR(RegisterReduce(registry));
  RETURN_IF_ERROR(RegisterArgMinMax(registry));
  RETURN_IF_ERROR(RegisterTopK(registry));
  RETURN_IF_ERROR(RegisterCumSum(registry));
  RETURN_IF_ERROR(RegisterDet(registry));
  RETURN_IF_ERROR(RegisterQuantize(registry));
  RETURN_IF_ERROR(RegisterQuantizedMatMul(registry));
  RETURN_IF_ERROR(RegisterDynamicQuantizeMatMul(registry));
  RETURN_IF_ERROR(RegisterEinsum(registry));
  RETURN_IF_ERROR(RegisterLosses(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
