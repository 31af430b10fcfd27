// MaxRoiPool (1-21): max pooling of regions of interest into a fixed pooled_shape grid, with
// Caffe's ROIPooling arithmetic (rounded ROI corners, floor/ceil bin edges, empty bins 0).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/nn_ops.h"

namespace berth::engine {
namespace {

const char kOp[] = "MaxRoiPool";

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

class MaxRoiPoolKernel : public Kernel {
 public:
  MaxRoiPoolKernel(int64_t pooled_h, int64_t pooled_w, float spatial_scale)
      : pooled_h_(pooled_h), pooled_w_(pooled_w), scale_(spatial_scale) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* rois = ctx.input(1);
    if (x == nullptr || rois == nullptr) return Error("inputs X and rois are required");
    if (x->rank() != 4) return Error("X must be 4-D (N, C, H, W)");
    if (rois->dtype() != x->dtype() || rois->rank() != 2 || rois->dim(1) != 5) {
      return Error("rois must be (num_rois, 5) of X's type");
    }
    ASSIGN_OR_RETURN(Tensor * y,
                     ctx.Output(0, {rois->dim(0), x->dim(1), pooled_h_, pooled_w_}));
    if (x->dtype() == DataType::kFloat) return Pool<float>(*x, *rois, y->data<float>());
    if (x->dtype() == DataType::kDouble) return Pool<double>(*x, *rois, y->data<double>());
    return Error("X must be float or double");
  }

 private:
  template <typename T>
  absl::Status Pool(const Tensor& x, const Tensor& rois, T* y) const {
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    const T* r = rois.data<T>();
    for (int64_t i = 0; i < rois.dim(0); ++i, r += 5) {
      const int64_t batch = static_cast<int64_t>(r[0]);
      if (batch < 0 || batch >= n) {
        return Error(absl::StrCat("roi ", i, " names batch ", batch, " of ", n));
      }
      const int64_t x1 = std::llround(r[1] * scale_), y1 = std::llround(r[2] * scale_);
      const int64_t x2 = std::llround(r[3] * scale_), y2 = std::llround(r[4] * scale_);
      const double bin_h = static_cast<double>(std::max<int64_t>(y2 - y1 + 1, 1)) / pooled_h_;
      const double bin_w = static_cast<double>(std::max<int64_t>(x2 - x1 + 1, 1)) / pooled_w_;
      for (int64_t ch = 0; ch < c; ++ch) {
        const T* plane = x.data<T>() + (batch * c + ch) * h * w;
        T* out = y + (i * c + ch) * pooled_h_ * pooled_w_;
        for (int64_t ph = 0; ph < pooled_h_; ++ph) {
          int64_t hs = std::clamp<int64_t>(std::floor(ph * bin_h) + y1, 0, h);
          int64_t he = std::clamp<int64_t>(std::ceil((ph + 1) * bin_h) + y1, 0, h);
          for (int64_t pw = 0; pw < pooled_w_; ++pw) {
            int64_t ws = std::clamp<int64_t>(std::floor(pw * bin_w) + x1, 0, w);
            int64_t we = std::clamp<int64_t>(std::ceil((pw + 1) * bin_w) + x1, 0, w);
            T best = 0;
            bool empty = he <= hs || we <= ws;
            for (int64_t yy = hs; yy < he; ++yy) {
              for (int64_t xx = ws; xx < we; ++xx) {
                T v = plane[yy * w + xx];
                if ((yy == hs && xx == ws) || v > best) best = v;
              }
            }
            out[ph * pooled_w_ + pw] = empty ? T{0} : best;
          }
        }
      }
    }
    return absl::OkStatus();
  }

  int64_t pooled_h_, pooled_w_;
  float scale_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMaxRoiPool(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::vector<int64_t> pooled, info.RequiredInts("pooled_shape"));
  ASSIGN_OR_RETURN(float scale, info.FloatOr("spatial_scale", 1.f));
  if (pooled.size() != 2 || pooled[0] < 1 || pooled[1] < 1) {
    return info.Error("pooled_shape must be two positive values");
  }
  return std::make_unique<MaxRoiPoolKernel>(pooled[0], pooled[1], scale);
}

}  // namespace

absl::Status RegisterMaxRoiPool(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "MaxRoiPool",
                                     .since_version = 1,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateMaxRoiPool});
}

}  // namespace berth::engine
