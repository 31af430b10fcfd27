// The registration functions of the nn kernels, one per op file; register_nn.cc calls them
// all. Each adds the KernelDefs of its ops and fails only on a registration conflict.
#ifndef BERTH_ENGINE_KERNELS_NN_NN_OPS_H_
#define BERTH_ENGINE_KERNELS_NN_NN_OPS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterConv(KernelRegistry& registry);       // Conv 1-21
absl::Status RegisterFusedConv(KernelRegistry& registry);  // berth::FusedConv 1
absl::Status RegisterConvTranspose(KernelRegistry& registry);  // ConvTranspose 1-21
absl::Status RegisterConvInteger(KernelRegistry& registry);  // ConvInteger, QLinearConv 10-21
absl::Status RegisterDeformConv(KernelRegistry& registry);  // DeformConv 19-21 (2-D)
// MaxPool, AveragePool, LpPool 1-21; berth::MaxPool, berth::AveragePool 1 (channels-last)
absl::Status RegisterPool(KernelRegistry& registry);
// GlobalAveragePool, GlobalMaxPool, GlobalLpPool 1-21; berth::GlobalAveragePool and
// berth::GlobalMaxPool 1 (channels-last)
absl::Status RegisterGlobalPool(KernelRegistry& registry);
absl::Status RegisterMaxUnpool(KernelRegistry& registry);   // MaxUnpool 9-21
absl::Status RegisterMaxRoiPool(KernelRegistry& registry);  // MaxRoiPool 1-21
absl::Status RegisterBatchNormalization(KernelRegistry& registry);  // BatchNormalization 1-21
// InstanceNormalization 1-21, GroupNormalization 18-21
absl::Status RegisterInstanceGroupNorm(KernelRegistry& registry);
absl::Status RegisterLayerNormalization(KernelRegistry& registry);  // LayerNormalization 17-21
// MeanVarianceNormalization 9-21
absl::Status RegisterMeanVarianceNormalization(KernelRegistry& registry);
absl::Status RegisterLrn(KernelRegistry& registry);  // LRN 1-21

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_NN_OPS_H_
