// The one-axis geometry of Resize and Upsample: where an output coordinate comes from in the
// input (coordinate_transformation_mode), which input index nearest mode picks, and the
// input indices and weights linear and cubic modes (optionally antialiased) combine.
//
// The formulas follow ONNX's reference implementation (onnx/reference/ops/op_resize.py),
// which ONNX's test data was generated with; coordinates are computed in double.
#ifndef BERTH_ENGINE_KERNELS_INDEXING_RESIZE_TAPS_H_
#define BERTH_ENGINE_KERNELS_INDEXING_RESIZE_TAPS_H_

#include <cstdint>

namespace berth::engine::indexing {

enum class ResizeMode { kNearest, kLinear, kCubic };

enum class CoordinateMode {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};

// kSimple is the rounding of Upsample and Resize-10: truncation when the axis is enlarged,
// ceiling when it shrinks.
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeOptions {
  ResizeMode mode = ResizeMode::kNearest;
  CoordinateMode coordinate_mode = CoordinateMode::kHalfPixel;
  NearestMode nearest_mode = NearestMode::kRoundPreferFloor;
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  float extrapolation_value = 0.0f;
};

// One axis: input and output lengths, the scale (output / input, as given or derived), and
// the region of interest in normalized input coordinates (used by tf_crop_and_resize).
struct ResizeAxis {
  int64_t in = 1;
  int64_t out = 1;
  double scale = 1.0;
  double roi_start = 0.0;
  double roi_end = 1.0;
};

// True when resizing along the axis leaves it unchanged, so the pass can be skipped.
bool IsIdentityAxis(const ResizeOptions& options, const ResizeAxis& axis);

// The input coordinate output index `x` maps to. Sets *extrapolated when the mode is
// tf_crop_and_resize and the coordinate falls outside [0, in - 1].
double SourceCoordinate(const ResizeOptions& options, const ResizeAxis& axis, int64_t x,
                        bool* extrapolated);

// The input index nearest mode reads for output index `x`, clamped to [0, in - 1]; -1 when
// the output takes the extrapolation value.
int64_t NearestSourceIndex(const ResizeOptions& options, const ResizeAxis& axis, int64_t x);

// The number of input taps linear or cubic mode combines per output index on this axis
// (2 and 4, or more when antialiasing a shrinking axis).
int TapCount(const ResizeOptions& options, const ResizeAxis& axis);

// Fills TapCount() input indices (clamped to [0, in - 1]) and weights for output index `x`.
// Returns false when the output takes the extrapolation value instead.
bool ComputeTaps(const ResizeOptions& options, const ResizeAxis& axis, int64_t x,
                 int64_t* indices, double* weights);

}  // namespace berth::engine::indexing

#endif  // BERTH_ENGINE_KERNELS_INDEXING_RESIZE_TAPS_H_
