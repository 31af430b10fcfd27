// Sliding-window geometry shared by the convolution and pooling kernels: reading the
// auto_pad / kernel_shape / strides / dilations / pads / ceil_mode attributes once at load, and
// resolving them against an actual input shape at run time; and their activation layout.
#ifndef BERTH_ENGINE_KERNELS_NN_WINDOW_H_
#define BERTH_ENGINE_KERNELS_NN_WINDOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes as written on the node. Empty vectors mean "absent" (defaults: stride
// and dilation 1, pads 0; the kernel shape then comes from the weights).
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;  // all begins, then all ends
  bool ceil_mode = false;
};

// Reads the window attributes from `info`. With `require_kernel_shape`, kernel_shape must be
// present (pooling). Fails with InvalidArgument for an unknown auto_pad, non-positive strides,
// dilations or kernel sizes, negative pads, or lengths that disagree with each other.
absl::StatusOr<WindowAttrs> ReadWindowAttrs(const KernelInfo& info, bool require_kernel_shape);

// Whether the node runs channels-last (core/channels_last.h): the `channels_last` attribute
// (0 or 1) of the berth-domain forms; always false for ONNX's own ops. Fails with
// InvalidArgument for another value.
absl::StatusOr<bool> ReadChannelsLast(const KernelInfo& info);

using SpatialDims = absl::InlinedVector<int64_t, 3>;

// A window resolved for one input shape. pad_end may exceed the attribute's end padding when
// ceil_mode lets the last window run past the padded input (see ceil_extended).
struct Window {
  int rank = 0;  // number of spatial dimensions
  SpatialDims in, kernel, stride, dilation, pad_begin, pad_end, out;
  // True when ceil_mode made some pad_end larger than the padding the node asked for.
  bool ceil_extended = false;
  // pad_end as the node asked (before any ceil extension).
  SpatialDims pad_end_attr;

  int64_t effective_kernel(int i) const { return (kernel[i] - 1) * dilation[i] + 1; }
};

// Resolves `attrs` for a forward window (Conv, pooling) over `in` (spatial dims only) with the
// kernel extents `kernel`. `op` names the operator in errors. Fails with InvalidArgument when
// the attribute lengths do not match the input rank or the window does not fit the input.
absl::StatusOr<Window> ResolveWindow(const WindowAttrs& attrs, absl::Span<const int64_t> in,
                                     absl::Span<const int64_t> kernel, const std::string& op);

// The spatial dims of a rank-N NC... shape (N >= 3 checked by the caller).
inline absl::Span<const int64_t> SpatialOf(absl::Span<const int64_t> shape) {
  return shape.subspan(2);
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_WINDOW_H_
