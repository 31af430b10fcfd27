// The elementwise category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {

absl::Status RegisterElementwiseKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterUnaryMath(registry));
  RETURN_IF_ERROR(RegisterUnaryLogic(registry));
  RETURN_IF_ERROR(RegisterActivations(registry));
  RETURN_IF_ERROR(RegisterPRelu(registry));
  RETURN_IF_ERROR(RegisterClip(registry));
  RETURN_IF_ERROR(RegisterArithmetic(registry));
  RETURN_IF_ERROR(RegisterPow(registry));
  RETURN_IF_ERROR(RegisterComparisons(registry));
  RETURN_IF_ERROR(RegisterBitwise(registry));
  RETURN_IF_ERROR(RegisterVariadic(registry));
  RETURN_IF_ERROR(RegisterWhere(registry));
  RETURN_IF_ERROR(RegisterCast(registry));
  RETURN_IF_ERROR(RegisterDropout(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
