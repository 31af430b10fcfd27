// The tensor category's registration list: one line per op file.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {

absl::Status RegisterTensorKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterReshapeKernels(registry));
  RETURN_IF_ERROR(RegisterSqueezeKernels(registry));
  RETURN_IF_ERROR(RegisterTransposeKernels(registry));
  RETURN_IF_ERROR(RegisterDepthSpaceKernels(registry));
  RETURN_IF_ERROR(RegisterConcatKernels(registry));
  RETURN_IF_ERROR(RegisterSplitKernels(registry));
  RETURN_IF_ERROR(RegisterSliceKernels(registry));
  RETURN_IF_ERROR(RegisterExpandTileKernels(registry));
  RETURN_IF_ERROR(RegisterPadKernels(registry));
  RETURN_IF_ERROR(RegisterCenterCropPadKernels(registry));
  RETURN_IF_ERROR(RegisterShapeSizeKernels(registry));
  RETURN_IF_ERROR(RegisterConstantKernels(registry));
  RETURN_IF_ERROR(RegisterRangeEyeLikeKernels(registry));
  RETURN_IF_ERROR(RegisterTriluReverseKernels(registry));
  RETURN_IF_ERROR(RegisterCol2ImKernels(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
