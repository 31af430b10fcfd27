// Registration functions of the tensor category (shape and data-movement operators of the
// default ONNX domain). RegisterTensorKernels (register_tensor.cc) calls each of them once.
// Each registers every opset version of its operators up to opset 21; a registration
// conflict fails with AlreadyExists.
#ifndef BERTH_ENGINE_KERNELS_TENSOR_TENSOR_KERNELS_H_
#define BERTH_ENGINE_KERNELS_TENSOR_TENSOR_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// Reshape 1-21, Flatten 1-21, Identity 1-21 (reshape.cc).
absl::Status RegisterReshapeKernels(KernelRegistry& registry);
// Squeeze 1-21, Unsqueeze 1-21 (squeeze.cc).
absl::Status RegisterSqueezeKernels(KernelRegistry& registry);
// Transpose 1-21 (transpose.cc).
absl::Status RegisterTransposeKernels(KernelRegistry& registry);
// DepthToSpace 1-21, SpaceToDepth 1-21 (depth_space.cc).
absl::Status RegisterDepthSpaceKernels(KernelRegistry& registry);
// Concat 1-21 (concat.cc).
absl::Status RegisterConcatKernels(KernelRegistry& registry);
// Split 1-21 (split.cc).
absl::Status RegisterSplitKernels(KernelRegistry& registry);
// Slice 1-21 (slice.cc).
absl::Status RegisterSliceKernels(KernelRegistry& registry);
// Expand 8-21, Tile 1-21 (expand_tile.cc).
absl::Status RegisterExpandTileKernels(KernelRegistry& registry);
// Pad 1-21 (pad.cc).
absl::Status RegisterPadKernels(KernelRegistry& registry);
// CenterCropPad 18-21 (center_crop_pad.cc).
absl::Status RegisterCenterCropPadKernels(KernelRegistry& registry);
// Shape 1-21, Size 1-21 (shape_size.cc).
absl::Status RegisterShapeSizeKernels(KernelRegistry& registry);
// Constant 1-21, ConstantOfShape 9-21 (constant.cc).
absl::Status RegisterConstantKernels(KernelRegistry& registry);
// Range 11-21, EyeLike 9-21 (range_eyelike.cc).
absl::Status RegisterRangeEyeLikeKernels(KernelRegistry& registry);
// Trilu 14-21, ReverseSequence 10-21 (trilu_reverse.cc).
absl::Status RegisterTriluReverseKernels(KernelRegistry& registry);
// Col2Im 18-21 (col2im.cc).
absl::Status RegisterCol2ImKernels(KernelRegistry& registry);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_TENSOR_TENSOR_KERNELS_H_
