// Resize (opsets 10-21). Opset 10 takes (X, scales) and only nearest/linear with the
// asymmetric mapping; 11 adds roi and sizes inputs and the coordinate, nearest, cubic and
// extrapolation attributes; 13 makes roi and scales optional; 18 adds antialias, axes and
// keep_aspect_ratio_policy; 19 adds half_pixel_symmetric. Empty scales/sizes/roi tensors
// count as absent. Output lengths are floor(in * scale) for scales, or the given sizes
// (adjusted under keep_aspect_ratio_policy).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"
#include "engine/kernels/indexing/resize_core.h"
#include "engine/kernels/indexing/resize_taps.h"

namespace berth::engine {
namespace {

using indexing::CoordinateMode;
using indexing::NearestMode;
using indexing::NodeLabel;
using indexing::ResizeAxis;
using indexing::ResizeMode;
using indexing::ResizeOptions;

// Per-run lists, inline for the ranks models use so that a run does not allocate.
using AxisList = absl::InlinedVector<int, 6>;
using Geometry = absl::InlinedVector<ResizeAxis, 6>;

enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

// Above this, floor(in * scale) no longer names a tensor that could be allocated.
constexpr double kMaxOutputLength = 1e15;

struct ResizeConfig {
  ResizeOptions options;
  std::vector<int64_t> axes;  // empty: all
  AspectPolicy policy = AspectPolicy::kStretch;
  int roi_input = -1;
  int scales_input = 1;
  int sizes_input = -1;
};

bool Present(const Tensor* t) { return t != nullptr && t->num_elements() > 0; }

class ResizeKernel final : public Kernel {
 public:
  ResizeKernel(NodeLabel label, ResizeConfig config)
      : label_(std::move(label)), config_(std::move(config)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return label_.Error("needs input X");
    const int rank = x->rank();
    AxisList axes;
    RETURN_IF_ERROR(ResolveAxes(rank, &axes));
    Geometry geometry(rank);
    for (int d = 0; d < rank; ++d) {
      geometry[d] = {x->dim(d), x->dim(d), 1.0, 0.0, 1.0};
    }
    const Tensor* scales = ctx.input(config_.scales_input);
    const Tensor* sizes = config_.sizes_input >= 0 ? ctx.input(config_.sizes_input) : nullptr;
    if (Present(scales) == Present(sizes)) {
      return label_.Error("exactly one of scales and sizes must be given (non-empty)");
    }
    if (Present(scales)) {
      RETURN_IF_ERROR(ApplyScales(*scales, axes, geometry));
    } else {
      RETURN_IF_ERROR(ApplySizes(*sizes, axes, geometry));
    }
    if (config_.options.coordinate_mode == CoordinateMode::kTfCropAndResize) {
      const Tensor* roi = ctx.input(config_.roi_input);
      if (Present(roi)) RETURN_IF_ERROR(ApplyRoi(*roi, axes, geometry));
    }
    Shape out_shape;
    for (int d = 0; d < rank; ++d) {
      if (geometry[d].in == 0 && geometry[d].out > 0) {
        return label_.Error(absl::StrCat("cannot resize empty axis ", d, " to length ",
                                         geometry[d].out));
      }
      out_shape.push_back(geometry[d].out);
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    return indexing::RunResize(label_, config_.options, geometry, *x, *out, ctx);
  }

 private:
  absl::Status ResolveAxes(int rank, AxisList* axes) const {
    if (config_.axes.empty()) {
      for (int d = 0; d < rank; ++d) axes->push_back(d);
      return absl::OkStatus();
    }
    absl::InlinedVector<bool, 6> seen(rank, false);
    for (int64_t a : config_.axes) {
      ASSIGN_OR_RETURN(int axis, indexing::NormalizeAxis(label_, a, rank));
      if (seen[axis]) return label_.Error(absl::StrCat("axis ", a, " is repeated in axes"));
      seen[axis] = true;
      axes->push_back(axis);
    }
    return absl::OkStatus();
  }

  absl::Status ApplyScales(const Tensor& scales, const AxisList& axes,
                           Geometry& geometry) const {
    if (scales.num_elements() != static_cast<int64_t>(axes.size())) {
      return label_.Error(absl::StrCat("scales has ", scales.num_elements(),
                                       " values for ", axes.size(), " axes"));
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      double s = indexing::ElementAsDouble(scales, static_cast<int64_t>(i));
      ResizeAxis& a = geometry[axes[i]];
      double length = s * static_cast<double>(a.in);
      if (!(s > 0) || !(length < kMaxOutputLength)) {
        return label_.Error(absl::StrCat("scale ", s, " for axis ", axes[i], " is invalid"));
      }
      a.scale = s;
      a.out = static_cast<int64_t>(std::floor(length));
    }
    return absl::OkStatus();
  }

  absl::Status ApplySizes(const Tensor& sizes, const AxisList& axes,
                          Geometry& geometry) const {
    if (sizes.dtype() != DataType::kInt64) return label_.Error("sizes must be int64");
    if (sizes.num_elements() != static_cast<int64_t>(axes.size())) {
      return label_.Error(absl::StrCat("sizes has ", sizes.num_elements(), " values for ",
                                       axes.size(), " axes"));
    }
    const int64_t* values = sizes.data<int64_t>();
    for (size_t i = 0; i < axes.size(); ++i) {
      if (values[i] < 0) {
        return label_.Error(absl::StrCat("size ", values[i], " for axis ", axes[i],
                                         " is negative"));
      }
      ResizeAxis& a = geometry[axes[i]];
      a.out = values[i];
      a.scale = a.in == 0 ? 1.0 : static_cast<double>(a.out) / static_cast<double>(a.in);
    }
    if (config_.policy == AspectPolicy::kStretch) return absl::OkStatus();
    double scale = geometry[axes[0]].scale;
    for (int axis : axes) {
      scale = config_.policy == AspectPolicy::kNotLarger ? std::min(scale, geometry[axis].scale)
                                                         : std::max(scale, geometry[axis].scale);
    }
    for (int axis : axes) {
      ResizeAxis& a = geometry[axis];
      a.scale = scale;
      a.out = static_cast<int64_t>(scale * static_cast<double>(a.in) + 0.5);
    }
    return absl::OkStatus();
  }

  absl::Status ApplyRoi(const Tensor& roi, const AxisList& axes,
                        Geometry& geometry) const {
    const int64_t n = static_cast<int64_t>(axes.size());
    if (roi.num_elements() != 2 * n || DataTypeSize(roi.dtype()) == 0) {
      return label_.Error(absl::StrCat("roi must hold 2 x ", n, " numbers, not ",
                                       roi.num_elements()));
    }
    for (int64_t i = 0; i < n; ++i) {
      geometry[axes[i]].roi_start = indexing::ElementAsDouble(roi, i);
      geometry[axes[i]].roi_end = indexing::ElementAsDouble(roi, n + i);
    }
    return absl::OkStatus();
  }

  NodeLabel label_;
  ResizeConfig config_;
};

absl::StatusOr<ResizeMode> ParseMode(KernelInfo& info, const std::string& name) {
  if (name == "nearest") return ResizeMode::kNearest;
  if (name == "linear") return ResizeMode::kLinear;
  if (name == "cubic" && info.opset() >= 11) return ResizeMode::kCubic;
  return info.Error(absl::StrCat("unsupported mode '", name, "' at opset ", info.opset()));
}

absl::StatusOr<CoordinateMode> ParseCoordinateMode(KernelInfo& info, const std::string& name) {
  if (name == "half_pixel") return CoordinateMode::kHalfPixel;
  if (name == "pytorch_half_pixel") return CoordinateMode::kPytorchHalfPixel;
  if (name == "align_corners") return CoordinateMode::kAlignCorners;
  if (name == "asymmetric") return CoordinateMode::kAsymmetric;
  if (name == "tf_crop_and_resize") return CoordinateMode::kTfCropAndResize;
  if (name == "tf_half_pixel_for_nn" && info.opset() < 13) {
    return CoordinateMode::kTfHalfPixelForNn;
  }
  if (name == "half_pixel_symmetric" && info.opset() >= 19) {
    return CoordinateMode::kHalfPixelSymmetric;
  }
  return info.Error(absl::StrCat("unsupported coordinate_transformation_mode '", name,
                                 "' at opset ", info.opset()));
}

absl::StatusOr<NearestMode> ParseNearestMode(KernelInfo& info, const std::string& name) {
  if (name == "round_prefer_floor") return NearestMode::kRoundPreferFloor;
  if (name == "round_prefer_ceil") return NearestMode::kRoundPreferCeil;
  if (name == "floor") return NearestMode::kFloor;
  if (name == "ceil") return NearestMode::kCeil;
  return info.Error(absl::StrCat("unsupported nearest_mode '", name, "'"));
}

absl::StatusOr<bool> ParseFlag(KernelInfo& info, const std::string& name) {
  ASSIGN_OR_RETURN(int64_t v, info.IntOr(name, 0));
  if (v != 0 && v != 1) return info.Error(absl::StrCat(name, " must be 0 or 1, not ", v));
  return v == 1;
}

absl::Status ParseOpset11Attributes(KernelInfo& info, ResizeConfig& config) {
  ResizeOptions& o = config.options;
  ASSIGN_OR_RETURN(std::string coordinate,
                   info.StringOr("coordinate_transformation_mode", "half_pixel"));
  ASSIGN_OR_RETURN(o.coordinate_mode, ParseCoordinateMode(info, coordinate));
  ASSIGN_OR_RETURN(std::string nearest, info.StringOr("nearest_mode", "round_prefer_floor"));
  ASSIGN_OR_RETURN(o.nearest_mode, ParseNearestMode(info, nearest));
  ASSIGN_OR_RETURN(float a, info.FloatOr("cubic_coeff_a", -0.75f));
  o.cubic_coeff_a = a;
  ASSIGN_OR_RETURN(o.exclude_outside, ParseFlag(info, "exclude_outside"));
  ASSIGN_OR_RETURN(o.extrapolation_value, info.FloatOr("extrapolation_value", 0.0f));
  config.roi_input = 1;
  config.scales_input = 2;
  config.sizes_input = 3;
  if (info.opset() < 18) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool antialias, ParseFlag(info, "antialias"));
  o.antialias = antialias && o.mode != ResizeMode::kNearest;
  ASSIGN_OR_RETURN(config.axes, info.IntsOr("axes", {}));
  ASSIGN_OR_RETURN(std::string policy, info.StringOr("keep_aspect_ratio_policy", "stretch"));
  if (policy == "stretch") {
    config.policy = AspectPolicy::kStretch;
  } else if (policy == "not_larger") {
    config.policy = AspectPolicy::kNotLarger;
  } else if (policy == "not_smaller") {
    config.policy = AspectPolicy::kNotSmaller;
  } else {
    return info.Error(absl::StrCat("unsupported keep_aspect_ratio_policy '", policy, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateResize(KernelInfo& info) {
  ResizeConfig config;
  ASSIGN_OR_RETURN(std::string mode, info.StringOr("mode", "nearest"));
  ASSIGN_OR_RETURN(config.options.mode, ParseMode(info, mode));
  if (info.opset() >= 11) {
    RETURN_IF_ERROR(ParseOpset11Attributes(info, config));
  } else {
    config.options.coordinate_mode = CoordinateMode::kAsymmetric;
    config.options.nearest_mode = NearestMode::kSimple;
  }
  if (config.options.mode != ResizeMode::kNearest &&
      info.input_type(0) == DataType::kString) {
    return info.Error("linear and cubic modes need a numeric input");
  }
  return std::make_unique<ResizeKernel>(NodeLabel(info), std::move(config));
}

}  // namespace

absl::Status RegisterResize(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "Resize",
                            .since_version = 10,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateResize});
}

}  // namespace berth::engine
