#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/indexing/indexing_kernels.h"

namespace berth::engine {

absl::Status RegisterIndexingKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterGather(registry));
  RETURN_IF_ERROR(RegisterGatherElements(registry));
  RETURN_IF_ERROR(RegisterGatherND(registry));
  RETURN_IF_ERROR(RegisterScatterElements(registry));
  RETURN_IF_ERROR(RegisterScatterND(registry));
  RETURN_IF_ERROR(RegisterOneHot(registry));
  RETURN_IF_ERROR(RegisterNonZero(registry));
  RETURN_IF_ERROR(RegisterCompress(registry));
  RETURN_IF_ERROR(RegisterUnique(registry));
  RETURN_IF_ERROR(RegisterResize(registry));
  RETURN_IF_ERROR(RegisterUpsample(registry));
  RETURN_IF_ERROR(RegisterNonMaxSuppression(registry));
  RETURN_IF_ERROR(RegisterRoiAlign(registry));
  RETURN_IF_ERROR(RegisterGridSample(registry));
  RETURN_IF_ERROR(RegisterAffineGrid(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
