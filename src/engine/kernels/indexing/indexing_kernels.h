// Registration functions of the indexing kernels (gathers, scatters, selection, resampling,
// detection helpers). register_indexing.cc calls each of them.
//
// Opset ranges (all in the default domain, up to opset 21):
//   Gather 1-21, GatherElements 11-21, GatherND 11-21 (batch_dims from 12)
//   Scatter 9-10 (the name ScatterElements took at 11), ScatterElements 11-21, ScatterND 11-21
//     (reduction from 16: none/add/mul; max/min from 18)
//   OneHot 9-21 (negative indices from 11), NonZero 9-21, Compress 9-21, Unique 11-21
//   Resize 10-21, Upsample 7-9
//   NonMaxSuppression 10-21, RoiAlign 10-21, GridSample 16-21, AffineGrid 20-21
#ifndef BERTH_ENGINE_KERNELS_INDEXING_INDEXING_KERNELS_H_
#define BERTH_ENGINE_KERNELS_INDEXING_INDEXING_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterGather(KernelRegistry& registry);             // gather.cc
absl::Status RegisterGatherElements(KernelRegistry& registry);     // gather_elements.cc
absl::Status RegisterGatherND(KernelRegistry& registry);           // gather_nd.cc
absl::Status RegisterScatterElements(KernelRegistry& registry);    // scatter_elements.cc
absl::Status RegisterScatterND(KernelRegistry& registry);          // scatter_nd.cc
absl::Status RegisterOneHot(KernelRegistry& registry);             // one_hot.cc
absl::Status RegisterNonZero(KernelRegistry& registry);            // non_zero.cc
absl::Status RegisterCompress(KernelRegistry& registry);           // compress.cc
absl::Status RegisterUnique(KernelRegistry& registry);             // unique.cc
absl::Status RegisterResize(KernelRegistry& registry);             // resize.cc
absl::Status RegisterUpsample(KernelRegistry& registry);           // upsample.cc
absl::Status RegisterNonMaxSuppression(KernelRegistry& registry);  // non_max_suppression.cc
absl::Status RegisterRoiAlign(KernelRegistry& registry);           // roi_align.cc
absl::Status RegisterGridSample(KernelRegistry& registry);         // grid_sample.cc
absl::Status RegisterAffineGrid(KernelRegistry& registry);         // affine_grid.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_INDEXING_INDEXING_KERNELS_H_
