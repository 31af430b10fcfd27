#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/qlinear_conv.h"

namespace berth::engine {

absl::Status RegisterNnKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterConv(registry));
  RETURN_IF_ERROR(RegisterFusedConv(registry));
  RETURN_IF_ERROR(RegisterConvTranspose(registry));
  RETURN_IF_ERROR(RegisterConvInteger(registry));
  RETURN_IF_ERROR(RegisterBerthQLinearConv(registry));
  RETURN_IF_ERROR(RegisterDeformConv(registry));
  RETURN_IF_ERROR(RegisterPool(registry));
  RETURN_IF_ERROR(RegisterGlobalPool(registry));
  RETURN_IF_ERROR(RegisterMaxUnpool(registry));
  RETURN_IF_ERROR(RegisterMaxRoiPool(registry));
  RETURN_IF_ERROR(RegisterBatchNormalization(registry));
  RETURN_IF_ERROR(RegisterInstanceGroupNorm(registry));
  RETURN_IF_ERROR(RegisterLayerNormalization(registry));
  RETURN_IF_ERROR(RegisterMeanVarianceNormalization(registry));
  RETURN_IF_ERROR(RegisterLrn(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
