// AffineGrid (opsets 20-21): the sampling grid GridSample takes, from affine matrices theta
// ([N, 2, 3] for 2-D, [N, 3, 4] for 3-D) and the target size ([N, C, H, W] or
// [N, C, D, H, W]). Output [N, H, W, 2] or [N, D, H, W, 3] holds theta applied to the
// normalized base coordinates (x along W first); align_corners places -1/1 on the corner
// pixel centres instead of the edges. A length-1 axis maps to coordinate 0.
#include <memory>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

double BaseCoordinate(int64_t i, int64_t length, bool align_corners) {
  if (align_corners) {
    return length > 1 ? -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(length - 1)
                      : 0.0;
  }
  return -1.0 + (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(length);
}

class AffineGridKernel final : public Kernel {
 public:
  AffineGridKernel(NodeLabel label, bool align_corners)
      : label_(std::move(label)), align_corners_(align_corners) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* theta = ctx.input(0);
    const Tensor* size = ctx.input(1);
    if (theta == nullptr || size == nullptr) return label_.Error("needs inputs theta and size");
    if (size->dtype() != DataType::kInt64 || size->rank() != 1 ||
        (size->dim(0) != 4 && size->dim(0) != 5)) {
      return label_.Error("size must be an int64 tensor [N, C, H, W] or [N, C, D, H, W]");
    }
    const int64_t* sz = size->data<int64_t>();
    const int k = static_cast<int>(size->dim(0)) - 2;  // spatial rank
    if (theta->rank() != 3 || theta->dim(0) != sz[0] || theta->dim(1) != k ||
        theta->dim(2) != k + 1) {
      return label_.Error(absl::StrCat("theta ", ShapeToString(theta->shape()), " must be [",
                                       sz[0], ", ", k, ", ", k + 1, "] for size [",
                                       absl::StrJoin(absl::MakeConstSpan(sz, size->dim(0)), ","),
                                       "]"));
    }
    Shape out_shape = {sz[0]};
    for (int d = 0; d < k; ++d) {
      if (sz[2 + d] < 0) return label_.Error("size must not be negative");
      out_shape.push_back(sz[2 + d]);
    }
    out_shape.push_back(k);
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    VisitNumericType(theta->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
        Fill<T>(*theta, sz + 2, k, *out);
      }
    });
    return absl::OkStatus();
  }

 private:
  template <typename T>
  void Fill(const Tensor& theta, const int64_t* spatial, int k, Tensor& out) const {
    const int64_t batches = theta.dim(0);
    const int64_t points = indexing::DimProduct(absl::MakeConstSpan(spatial, k), 0, k);
    T* dst = out.data<T>();
    for (int64_t n = 0; n < batches; ++n) {
      double m[3][4];
      for (int r = 0; r < k; ++r) {
        for (int c = 0; c <= k; ++c) {
          m[r][c] = indexing::ToDouble(theta.data<T>()[(n * k + r) * (k + 1) + c]);
        }
      }
      for (int64_t p = 0; p < points; ++p) {
        // Homogeneous base point (x, y[, z], 1), x running along the last axis.
        double base[4];
        int64_t rest = p;
        for (int d = k - 1; d >= 0; --d) {
          base[k - 1 - d] = BaseCoordinate(rest % spatial[d], spatial[d], align_corners_);
          rest /= spatial[d];
        }
        base[k] = 1.0;
        for (int r = 0; r < k; ++r) {
          double v = 0;
          for (int c = 0; c <= k; ++c) v += m[r][c] * base[c];
          dst[(n * points + p) * k + r] = indexing::FromDouble<T>(v);
        }
      }
    }
  }

  NodeLabel label_;
  bool align_corners_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateAffineGrid(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t align, info.IntOr("align_corners", 0));
  if (align != 0 && align != 1) return info.Error("align_corners must be 0 or 1");
  return std::make_unique<AffineGridKernel>(NodeLabel(info), align == 1);
}

}  // namespace

absl::Status RegisterAffineGrid(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "AffineGrid",
                            .since_version = 20,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16,
                                      DataType::kBFloat16},
                            .factory = CreateAffineGrid});
}

}  // namespace berth::engine
