// The resampling shared by Resize and Upsample, once each axis's geometry is known.
#ifndef BERTH_ENGINE_KERNELS_INDEXING_RESIZE_CORE_H_
#define BERTH_ENGINE_KERNELS_INDEXING_RESIZE_CORE_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"
#include "engine/kernels/indexing/indexing_util.h"
#include "engine/kernels/indexing/resize_taps.h"
#include "engine/kernels/kernel.h"

namespace berth::engine::indexing {

// Resizes `x` into `out`, which the caller has shaped to axes[d].out for every dimension d
// of x (axes has one entry per dimension). Nearest mode is an index gather that works on
// every element type; linear and cubic modes are separable passes, one per changed axis,
// computed in float (double for double and integer tensors) and rounded with
// saturation back to integer types. Temporaries live in ctx.Scratch.
//
// Fails with InvalidArgument (prefixed by `label`) for linear or cubic mode on strings.
absl::Status RunResize(const NodeLabel& label, const ResizeOptions& options,
                       absl::Span<const ResizeAxis> axes, const Tensor& x, Tensor& out,
                       KernelContext& ctx);

}  // namespace berth::engine::indexing

#endif  // BERTH_ENGINE_KERNELS_INDEXING_RESIZE_CORE_H_
