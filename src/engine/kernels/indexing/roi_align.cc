// RoiAlign (opsets 10-21): for each region of interest, an [output_height, output_width]
// grid of bins, each the average (or max) of bilinear samples of its batch item's feature
// map. Opset 16 adds coordinate_transformation_mode (default half_pixel, which shifts the
// scaled roi by -0.5 and does not force it to at least 1x1); opset 10 behaves as
// output_half_pixel. Max mode takes, per sample, the largest weighted corner value, as
// ONNX's reference and onnxruntime do.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

// Bounds the per-roi sample tables a degenerate (huge) roi could ask for.
constexpr int64_t kMaxSamplesPerAxis = int64_t{1} << 24;

struct RoiAlignParams {
  bool max_mode = false;
  bool half_pixel = false;
  int64_t out_h = 1;
  int64_t out_w = 1;
  int64_t sampling_ratio = 0;
  float spatial_scale = 1.0f;
};

// One bilinear sample position along an axis: two neighbours and their weights (both zero
// when the sample lies outside the feature map).
struct AxisSample {
  int64_t lo = 0;
  int64_t hi = 0;
  float w_lo = 0;
  float w_hi = 0;
};

AxisSample MakeSample(double v, int64_t length) {
  AxisSample s;
  if (v < -1.0 || v > static_cast<double>(length)) return s;
  v = std::max(v, 0.0);
  s.lo = static_cast<int64_t>(v);
  if (s.lo >= length - 1) {
    s.lo = s.hi = length - 1;
    v = static_cast<double>(s.lo);
  } else {
    s.hi = s.lo + 1;
  }
  double l = v - static_cast<double>(s.lo);
  s.w_lo = static_cast<float>(1.0 - l);
  s.w_hi = static_cast<float>(l);
  return s;
}

template <typename T>
float Load(const T& v) {
  return static_cast<float>(v);
}

class RoiAlignKernel final : public Kernel {
 public:
  RoiAlignKernel(NodeLabel label, RoiAlignParams params)
      : label_(std::move(label)), p_(params) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* rois = ctx.input(1);
    const Tensor* batch_indices = ctx.input(2);
    if (x == nullptr || rois == nullptr || batch_indices == nullptr) {
      return label_.Error("needs inputs X, rois and batch_indices");
    }
    if (x->rank() != 4 || rois->rank() != 2 || rois->dim(1) != 4 ||
        batch_indices->rank() != 1 || batch_indices->dim(0) != rois->dim(0)) {
      return label_.Error(absl::StrCat(
          "expects X [N, C, H, W], rois [R, 4] and batch_indices [R]; got X ",
          ShapeToString(x->shape()), ", rois ", ShapeToString(rois->shape()),
          ", batch_indices ", ShapeToString(batch_indices->shape())));
    }
    if (rois->dtype() != x->dtype() || !indexing::IsIndexType(batch_indices->dtype())) {
      return label_.Error("rois must have X's type and batch_indices must be int64");
    }
    const int64_t num_rois = rois->dim(0);
    indexing::IndexView batch(*batch_indices);
    for (int64_t r = 0; r < num_rois; ++r) {
      if (batch[r] < 0 || batch[r] >= x->dim(0)) {
        return label_.Error(absl::StrCat("batch index ", batch[r], " of roi ", r,
                                         " is out of range [0, ", x->dim(0) - 1, "]"));
      }
      for (int k = 0; k < 4; ++k) {
        if (!std::isfinite(indexing::ElementAsDouble(*rois, r * 4 + k))) {
          return label_.Error(absl::StrCat("roi ", r, " has a non-finite coordinate"));
        }
      }
    }
    ASSIGN_OR_RETURN(Tensor* out,
                     ctx.Output(0, {num_rois, x->dim(1), p_.out_h, p_.out_w}));
    absl::Status status = absl::OkStatus();
    VisitNumericType(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, Float16>) {
        for (int64_t r = 0; r < num_rois && status.ok(); ++r) {
          status = AlignRoi<T>(ctx, *x, *rois, r, batch[r], *out);
        }
      }
    });
    return status;
  }

 private:
  // How one axis of a roi is sampled: bins of `bin` input pixels from `start`, each
  // sampled `grid` times.
  struct AxisPlan {
    double start = 0;
    double bin = 0;
    int64_t grid = 0;
  };

  absl::StatusOr<AxisPlan> PlanAxis(double begin, double end, int64_t bins, int64_t r) const {
    const double offset = p_.half_pixel ? 0.5 : 0.0;
    AxisPlan plan;
    plan.start = begin * p_.spatial_scale - offset;
    double extent = end * p_.spatial_scale - offset - plan.start;
    // Without half_pixel, malformed rois are forced to 1x1 as in the original RoiAlign.
    if (!p_.half_pixel) extent = std::max(extent, 1.0);
    plan.bin = extent / static_cast<double>(bins);
    double grid = p_.sampling_ratio > 0 ? p_.sampling_ratio : std::ceil(plan.bin);
    if (!(std::fabs(grid * static_cast<double>(bins)) <= kMaxSamplesPerAxis)) {
      return label_.Error(absl::StrCat("roi ", r, " is too large to sample"));
    }
    plan.grid = static_cast<int64_t>(grid);
    return plan;
  }

  static void FillSamples(const AxisPlan& plan, int64_t bins, int64_t length,
                          AxisSample* samples) {
    for (int64_t b = 0; b < bins; ++b) {
      for (int64_t i = 0; i < plan.grid; ++i) {
        double v = plan.start + b * plan.bin + (i + 0.5) * plan.bin / plan.grid;
        samples[b * plan.grid + i] = MakeSample(v, length);
      }
    }
  }

  template <typename T>
  absl::Status AlignRoi(KernelContext& ctx, const Tensor& x, const Tensor& rois, int64_t r,
                        int64_t batch, Tensor& out) const {
    const int64_t channels = x.dim(1);
    const int64_t height = x.dim(2);
    const int64_t width = x.dim(3);
    auto coordinate = [&](int k) { return indexing::ElementAsDouble(rois, r * 4 + k); };
    ASSIGN_OR_RETURN(AxisPlan plan_w, PlanAxis(coordinate(0), coordinate(2), p_.out_w, r));
    ASSIGN_OR_RETURN(AxisPlan plan_h, PlanAxis(coordinate(1), coordinate(3), p_.out_h, r));
    const int64_t grid_h = plan_h.grid;
    const int64_t grid_w = plan_w.grid;
    const int64_t ys_count = std::max<int64_t>(grid_h, 0) * p_.out_h;
    const int64_t xs_count = std::max<int64_t>(grid_w, 0) * p_.out_w;
    auto* ys = static_cast<AxisSample*>(
        ctx.Scratch((ys_count + xs_count + 1) * sizeof(AxisSample)));
    if (ys == nullptr) return absl::ResourceExhaustedError(label_.text() + ": out of memory");
    AxisSample* xs = ys + ys_count;
    FillSamples(plan_h, p_.out_h, height, ys);
    FillSamples(plan_w, p_.out_w, width, xs);
    const float count = static_cast<float>(std::max<int64_t>(grid_h * grid_w, 1));
    const int64_t bins = p_.out_h * p_.out_w;
    indexing::ParallelFor(channels, channels * bins * grid_h * grid_w, [&](int64_t c) {
      const T* plane = x.data<T>() + (batch * channels + c) * height * width;
      T* dst = out.data<T>() + (r * channels + c) * bins;
      for (int64_t ph = 0; ph < p_.out_h; ++ph) {
        for (int64_t pw = 0; pw < p_.out_w; ++pw) {
          float acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < grid_h; ++iy) {
            const AxisSample& sy = ys[ph * grid_h + iy];
            for (int64_t ix = 0; ix < grid_w; ++ix) {
              const AxisSample& sx = xs[pw * grid_w + ix];
              float v1 = sy.w_lo * sx.w_lo * Load(plane[sy.lo * width + sx.lo]);
              float v2 = sy.w_lo * sx.w_hi * Load(plane[sy.lo * width + sx.hi]);
              float v3 = sy.w_hi * sx.w_lo * Load(plane[sy.hi * width + sx.lo]);
              float v4 = sy.w_hi * sx.w_hi * Load(plane[sy.hi * width + sx.hi]);
              if (!p_.max_mode) {
                acc += v1 + v2 + v3 + v4;
              } else {
                float v = std::max(std::max(v1, v2), std::max(v3, v4));
                acc = first ? v : std::max(acc, v);
                first = false;
              }
            }
          }
          dst[ph * p_.out_w + pw] = T(p_.max_mode ? acc : acc / count);
        }
      }
    });
    return absl::OkStatus();
  }

  NodeLabel label_;
  RoiAlignParams p_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateRoiAlign(KernelInfo& info) {
  RoiAlignParams p;
  ASSIGN_OR_RETURN(std::string mode, info.StringOr("mode", "avg"));
  if (mode != "avg" && mode != "max") {
    return info.Error(absl::StrCat("mode must be avg or max, not '", mode, "'"));
  }
  p.max_mode = mode == "max";
  std::string coordinate = "output_half_pixel";
  if (info.opset() >= 16) {
    ASSIGN_OR_RETURN(coordinate, info.StringOr("coordinate_transformation_mode", "half_pixel"));
  }
  if (coordinate != "half_pixel" && coordinate != "output_half_pixel") {
    return info.Error(absl::StrCat("unsupported coordinate_transformation_mode '", coordinate,
                                   "'"));
  }
  p.half_pixel = coordinate == "half_pixel";
  ASSIGN_OR_RETURN(p.out_h, info.IntOr("output_height", 1));
  ASSIGN_OR_RETURN(p.out_w, info.IntOr("output_width", 1));
  ASSIGN_OR_RETURN(p.sampling_ratio, info.IntOr("sampling_ratio", 0));
  ASSIGN_OR_RETURN(p.spatial_scale, info.FloatOr("spatial_scale", 1.0f));
  if (p.out_h < 1 || p.out_w < 1 || p.out_h > kMaxSamplesPerAxis ||
      p.out_w > kMaxSamplesPerAxis) {
    return info.Error("output_height and output_width must be positive");
  }
  if (p.sampling_ratio < 0) return info.Error("sampling_ratio must be >= 0");
  if (!std::isfinite(p.spatial_scale)) return info.Error("spatial_scale must be finite");
  return std::make_unique<RoiAlignKernel>(NodeLabel(info), p);
}

}  // namespace

absl::Status RegisterRoiAlign(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "RoiAlign",
                            .since_version = 10,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16},
                            .factory = CreateRoiAlign});
}

}  // namespace berth::engine
