#include "engine/kernels/indexing/resize_taps.h"

#include <algorithm>
#include <cmath>

namespace berth::engine::indexing {
namespace {

// Coordinates far outside any real tensor are clamped here so that converting them to an
// integer stays defined; the taps are clamped to the axis afterwards anyway.
constexpr double kCoordinateLimit = 1e15;

int64_t ClampIndex(int64_t i, int64_t length) { return std::clamp<int64_t>(i, 0, length - 1); }

// Keys' cubic convolution kernel with parameter a, at distance x.
double CubicKernel(double x, double a) {
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0.0;
}

// First tap offset relative to the left neighbour, for the antialiased kernels.
int AntialiasStart(const ResizeOptions& options, double scale) {
  double support = options.mode == ResizeMode::kCubic ? 2.0 : 1.0;
  return static_cast<int>(std::floor(-support / std::min(scale, 1.0)) + 1);
}

// Fills the weights of the taps at offsets start.. relative to the left neighbour, whose
// distance to the source coordinate is `ratio` in (0, 1].
void FillWeights(const ResizeOptions& options, double scale, double ratio, int start, int n,
                 double* w) {
  if (!options.antialias) {
    for (int j = 0; j < n; ++j) {
      double distance = start + j - ratio;
      w[j] = options.mode == ResizeMode::kCubic ? CubicKernel(distance, options.cubic_coeff_a)
                                                : std::max(0.0, 1.0 - std::fabs(distance));
    }
    return;
  }
  const double s = std::min(scale, 1.0);
  double sum = 0;
  for (int j = 0; j < n; ++j) {
    double x = s * (start + j - ratio);
    w[j] = options.mode == ResizeMode::kCubic ? CubicKernel(x, options.cubic_coeff_a)
                                              : std::clamp(1.0 - std::fabs(x), 0.0, 1.0);
    sum += w[j];
  }
  if (sum != 0) {
    for (int j = 0; j < n; ++j) w[j] /= sum;
  }
}

}  // namespace

bool IsIdentityAxis(const ResizeOptions& options, const ResizeAxis& axis) {
  bool roi_trivial = options.coordinate_mode != CoordinateMode::kTfCropAndResize ||
                     (axis.roi_start == 0.0 && axis.roi_end == 1.0);
  return axis.out == axis.in && std::fabs(axis.scale - 1.0) <= 1e-9 && roi_trivial;
}

double SourceCoordinate(const ResizeOptions& options, const ResizeAxis& axis, int64_t x,
                        bool* extrapolated) {
  *extrapolated = false;
  const double s = axis.scale;
  const double in = static_cast<double>(axis.in);
  // The reference maps with the fractional output length in * scale, not the rounded one.
  const double out = s * in;
  const double xd = static_cast<double>(x);
  double coordinate = 0;
  switch (options.coordinate_mode) {
    case CoordinateMode::kHalfPixel:
      coordinate = (xd + 0.5) / s - 0.5;
      break;
    case CoordinateMode::kHalfPixelSymmetric: {
      double adjustment = static_cast<double>(axis.out) / out;
      double offset = in / 2 * (1 - adjustment);
      coordinate = offset + (xd + 0.5) / s - 0.5;
      break;
    }
    case CoordinateMode::kPytorchHalfPixel:
      coordinate = out == 1.0 ? 0.0 : (xd + 0.5) / s - 0.5;
      break;
    case CoordinateMode::kAlignCorners:
      coordinate = out == 1.0 ? 0.0 : xd * (in - 1) / (out - 1);
      break;
    case CoordinateMode::kAsymmetric:
      coordinate = xd / s;
      break;
    case CoordinateMode::kTfHalfPixelForNn:
      coordinate = (xd + 0.5) / s;
      break;
    case CoordinateMode::kTfCropAndResize: {
      double span = (axis.roi_end - axis.roi_start) * (in - 1);
      coordinate = out == 1.0 ? span / 2 : xd * span / (out - 1);
      coordinate += axis.roi_start * (in - 1);
      *extrapolated = !(coordinate >= 0 && coordinate <= in - 1);
      break;
    }
  }
  if (!std::isfinite(coordinate)) coordinate = 0;
  return std::clamp(coordinate, -kCoordinateLimit, kCoordinateLimit);
}

int64_t NearestSourceIndex(const ResizeOptions& options, const ResizeAxis& axis, int64_t x) {
  if (IsIdentityAxis(options, axis)) return x;
  bool extrapolated = false;
  const double c = SourceCoordinate(options, axis, x, &extrapolated);
  if (extrapolated) return -1;
  const double fl = std::floor(c);
  const double frac = c - fl;
  double picked = fl;
  switch (options.nearest_mode) {
    case NearestMode::kRoundPreferFloor: picked = frac <= 0.5 ? fl : fl + 1; break;
    case NearestMode::kRoundPreferCeil: picked = frac < 0.5 ? fl : fl + 1; break;
    case NearestMode::kFloor: picked = fl; break;
    case NearestMode::kCeil: picked = frac == 0 ? fl : fl + 1; break;
    case NearestMode::kSimple: picked = axis.scale < 1.0 ? std::ceil(c) : std::trunc(c); break;
  }
  return ClampIndex(static_cast<int64_t>(picked), axis.in);
}

int TapCount(const ResizeOptions& options, const ResizeAxis& axis) {
  if (options.antialias) return 2 - 2 * AntialiasStart(options, axis.scale);
  return options.mode == ResizeMode::kCubic ? 4 : 2;
}

bool ComputeTaps(const ResizeOptions& options, const ResizeAxis& axis, int64_t x,
                 int64_t* indices, double* weights) {
  bool extrapolated = false;
  const double c = SourceCoordinate(options, axis, x, &extrapolated);
  if (extrapolated) return false;
  // The left neighbour and the distance to it, in (0, 1]: an exact integer coordinate
  // counts as distance 1 from the pixel before it, as in the reference.
  double fl = std::floor(c);
  double ratio = c - fl;
  if (ratio == 0) {
    fl -= 1;
    ratio = 1;
  }
  const int64_t left = static_cast<int64_t>(fl);
  const int n = TapCount(options, axis);
  int start = 0;
  if (options.antialias) {
    start = AntialiasStart(options, axis.scale);
  } else if (options.mode == ResizeMode::kCubic) {
    start = -1;
  }
  FillWeights(options, axis.scale, ratio, start, n, weights);
  if (options.exclude_outside) {
    double sum = 0;
    for (int j = 0; j < n; ++j) {
      int64_t i = left + start + j;
      if (i < 0 || i >= axis.in) weights[j] = 0;
      sum += weights[j];
    }
    if (sum != 0) {
      for (int j = 0; j < n; ++j) weights[j] /= sum;
    }
  }
  for (int j = 0; j < n; ++j) indices[j] = ClampIndex(left + start + j, axis.in);
  return true;
}

}  // namespace berth::engine::indexing
