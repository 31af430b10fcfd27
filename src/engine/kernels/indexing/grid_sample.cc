// GridSample (opsets 16-21): out[n, c, p] samples X[n, c] at the normalized location
// grid[n, p] ([-1, 1] per spatial axis, innermost grid component = last X axis). Opset 16
// takes 4-D X and modes bilinear/nearest/bicubic; opset 20 renames them linear/nearest/
// cubic and allows any spatial rank (here up to 5). Padding: zeros, border (clamp) or
// reflection; align_corners maps -1/1 to the corner pixel centres instead of the edges.
// Nearest rounds half to even, and cubic uses a = -0.75, as PyTorch and ONNX's reference do.
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

enum class SampleMode { kNearest, kLinear, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

constexpr int kMaxSpatialRank = 5;
constexpr int kMaxCombos = 1024;  // 4 taps ^ kMaxSpatialRank

struct GridParams {
  SampleMode mode = SampleMode::kLinear;
  Padding padding = Padding::kZeros;
  bool align_corners = false;
};

// Reflects x back into [lo, hi] by folding at the nearer border repeatedly.
float Reflect(float x, float lo, float hi) {
  const float range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    float dx = lo - x;
    float n = std::floor(dx / range);
    float r = dx - n * range;
    return std::fmod(n, 2.0f) == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    float dx = x - hi;
    float n = std::floor(dx / range);
    float r = dx - n * range;
    return std::fmod(n, 2.0f) == 0 ? hi - r : lo + r;
  }
  return x;
}

// The taps of one spatial axis for a normalized coordinate: index (-1: contributes zero)
// and weight. Returns the number of taps (1, 2 or 4).
int AxisTaps(const GridParams& p, double normalized, int64_t length, int64_t* index,
             float* weight) {
  const float len = static_cast<float>(length);
  const float lo = p.align_corners ? 0.0f : -0.5f;
  const float hi = p.align_corners ? len - 1 : len - 0.5f;
  float x = static_cast<float>(p.align_corners ? (normalized + 1) / 2 * (length - 1)
                                               : ((normalized + 1) * length - 1) / 2);
  if (std::isnan(x)) x = lo - 3;
  if (p.mode == SampleMode::kNearest) x = std::nearbyint(x);
  if (x < lo || x > hi) {
    if (p.padding == Padding::kBorder) x = std::clamp(x, 0.0f, len - 1);
    if (p.padding == Padding::kReflection) x = Reflect(x, lo, hi);
  }
  // Far outside the image every tap reads padding; clamping keeps the integer cast defined.
  x = std::clamp(x, -3.0f, len + 2);
  auto resolve = [&](int64_t i) -> int64_t {
    switch (p.padding) {
      case Padding::kZeros: return (i >= 0 && i < length) ? i : -1;
      case Padding::kBorder: return std::clamp<int64_t>(i, 0, length - 1);
      case Padding::kReflection:
        return std::clamp<int64_t>(static_cast<int64_t>(Reflect(static_cast<float>(i), lo, hi)),
                                   0, length - 1);
    }
    return -1;
  };
  if (p.mode == SampleMode::kNearest) {
    index[0] = resolve(static_cast<int64_t>(x));
    weight[0] = 1;
    return 1;
  }
  const float x0 = std::floor(x);
  const float t = x - x0;
  const int64_t i0 = static_cast<int64_t>(x0);
  if (p.mode == SampleMode::kLinear) {
    index[0] = resolve(i0);
    index[1] = resolve(i0 + 1);
    weight[0] = 1 - t;
    weight[1] = t;
    return 2;
  }
  constexpr float a = -0.75f;
  const float d[4] = {t + 1, t, 1 - t, 2 - t};
  for (int j = 0; j < 4; ++j) {
    float v = d[j];
    weight[j] = v <= 1 ? ((a + 2) * v - (a + 3)) * v * v + 1
                       : ((a * v - 5 * a) * v + 8 * a) * v - 4 * a;
    index[j] = resolve(i0 - 1 + j);
  }
  return 4;
}

template <typename T>
float Load(const T& v) {
  return static_cast<float>(v);
}

class GridSampleKernel final : public Kernel {
 public:
  GridSampleKernel(NodeLabel label, GridParams params, bool only_4d)
      : label_(std::move(label)), p_(params), only_4d_(only_4d) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* grid = ctx.input(1);
    if (x == nullptr || grid == nullptr) return label_.Error("needs inputs X and grid");
    const int k = x->rank() - 2;
    if (k < 1 || k > kMaxSpatialRank || (only_4d_ && k != 2) || grid->rank() != k + 2 ||
        grid->dim(0) != x->dim(0) || grid->dim(k + 1) != k) {
      return label_.Error(absl::StrCat("X ", ShapeToString(x->shape()), " and grid ",
                                       ShapeToString(grid->shape()),
                                       " must be [N, C, D1..Dk] and [N, O1..Ok, k]",
                                       only_4d_ ? " with k = 2" : ""));
    }
    Shape out_shape = {x->dim(0), x->dim(1)};
    out_shape.insert(out_shape.end(), grid->shape().begin() + 1, grid->shape().end() - 1);
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    bool done = false;
    VisitNumericType(x->dtype(), [&](auto xtag) {
      VisitNumericType(grid->dtype(), [&](auto gtag) {
        using T = decltype(xtag);
        using G = decltype(gtag);
        if constexpr (IsFloat<T>() && IsFloat<G>()) {
          Sample<T, G>(*x, *grid, *out);
          done = true;
        }
      });
    });
    if (!done) return label_.Error("X and grid must be float, double or float16");
    return absl::OkStatus();
  }

 private:
  template <typename T>
  static constexpr bool IsFloat() {
    return std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, Float16>;
  }

  template <typename T, typename G>
  void Sample(const Tensor& x, const Tensor& grid, Tensor& out) const {
    const int k = x.rank() - 2;
    const int64_t batches = x.dim(0);
    const int64_t channels = x.dim(1);
    const int64_t plane = indexing::DimProduct(x.shape(), 2, x.rank());
    const int64_t points = indexing::DimProduct(grid.shape(), 1, k + 1);
    const Shape strides = indexing::StridesOf(absl::MakeConstSpan(x.shape()).subspan(2));
    const G* g = grid.data<G>();
    for (int64_t n = 0; n < batches; ++n) {
      const T* xn = x.data<T>() + n * channels * plane;
      T* on = out.data<T>() + n * channels * points;
      indexing::ParallelFor(points, points * channels, [&](int64_t pt) {
        // Combinations of the axes' taps built one axis at a time, ping-ponging buffers.
        int64_t offset_buf[2][kMaxCombos];
        float weight_buf[2][kMaxCombos];
        int64_t* offsets = offset_buf[0];
        float* weights = weight_buf[0];
        int combos = 1;
        offsets[0] = 0;
        weights[0] = 1;
        for (int d = 0; d < k; ++d) {
          int64_t idx[4];
          float w[4];
          double normalized = indexing::ToDouble(g[(n * points + pt) * k + (k - 1 - d)]);
          int taps = AxisTaps(p_, normalized, x.dim(2 + d), idx, w);
          int64_t* next_offsets = offset_buf[(d + 1) % 2];
          float* next_weights = weight_buf[(d + 1) % 2];
          int next = 0;
          for (int c = 0; c < combos; ++c) {
            for (int j = 0; j < taps; ++j) {
              if (idx[j] < 0 || w[j] == 0) continue;
              next_offsets[next] = offsets[c] + idx[j] * strides[d];
              next_weights[next] = weights[c] * w[j];
              ++next;
            }
          }
          offsets = next_offsets;
          weights = next_weights;
          combos = next;
        }
        for (int64_t c = 0; c < channels; ++c) {
          const T* src = xn + c * plane;
          float sum = 0;
          for (int j = 0; j < combos; ++j) sum += weights[j] * Load(src[offsets[j]]);
          on[c * points + pt] = T(sum);
        }
      });
    }
  }

  NodeLabel label_;
  GridParams p_;
  bool only_4d_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGridSample(KernelInfo& info) {
  GridParams p;
  const bool v16 = info.opset() < 20;
  ASSIGN_OR_RETURN(std::string mode, info.StringOr("mode", v16 ? "bilinear" : "linear"));
  if (mode == "nearest") {
    p.mode = SampleMode::kNearest;
  } else if (mode == (v16 ? "bilinear" : "linear")) {
    p.mode = SampleMode::kLinear;
  } else if (mode == (v16 ? "bicubic" : "cubic")) {
    p.mode = SampleMode::kCubic;
  } else {
    return info.Error(absl::StrCat("unsupported mode '", mode, "' at opset ", info.opset()));
  }
  ASSIGN_OR_RETURN(std::string padding, info.StringOr("padding_mode", "zeros"));
  if (padding == "zeros") {
    p.padding = Padding::kZeros;
  } else if (padding == "border") {
    p.padding = Padding::kBorder;
  } else if (padding == "reflection") {
    p.padding = Padding::kReflection;
  } else {
    return info.Error(absl::StrCat("unsupported padding_mode '", padding, "'"));
  }
  ASSIGN_OR_RETURN(int64_t align, info.IntOr("align_corners", 0));
  if (align != 0 && align != 1) return info.Error("align_corners must be 0 or 1");
  p.align_corners = align == 1;
  return std::make_unique<GridSampleKernel>(NodeLabel(info), p, v16);
}

}  // namespace

absl::Status RegisterGridSample(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "GridSample",
                            .since_version = 16,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16},
                            .factory = CreateGridSample});
}

}  // namespace berth::engine
