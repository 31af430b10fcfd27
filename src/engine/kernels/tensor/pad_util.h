// Padding shared by Pad and CenterCropPad: every output index along an axis maps to an input
// index or to the constant value. The maps are built per run in scratch memory; rows are then
// filled with their contiguous middle part copied in one piece.
#ifndef BERTH_ENGINE_KERNELS_TENSOR_PAD_UTIL_H_
#define BERTH_ENGINE_KERNELS_TENSOR_PAD_UTIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine::tensor_kernels {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Writes `in` padded by before[k] / after[k] elements on each axis into output 0; negative
// amounts crop first. `value` is a one-element tensor of in's type, used by kConstant.
// Fails with InvalidArgument naming `op` when a crop exceeds the axis or a non-constant mode
// must pad an empty axis. Uses ctx.Scratch for the index maps.
absl::Status PadInto(absl::string_view op, const Tensor& in, absl::Span<const int64_t> before,
                     absl::Span<const int64_t> after, PadMode mode, const Tensor& value,
                     KernelContext& ctx);

}  // namespace berth::engine::tensor_kernels

#endif  // BERTH_ENGINE_KERNELS_TENSOR_PAD_UTIL_H_
