// DeformConv (19-21), 2-D, float: a convolution whose kernel taps are shifted by learned
// offsets (sampled bilinearly, zero outside the image) and optionally scaled by a mask.
// Computed as a deformable im2col followed by a matrix product per group.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/conv_primitive.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

const char kOp[] = "DeformConv";

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

// Bilinear sample of an h x w plane at (y, x); taps outside the plane count as zero.
float Bilinear(const float* plane, int64_t h, int64_t w, float y, float x) {
  const float y0f = std::floor(y), x0f = std::floor(x);
  const int64_t y0 = static_cast<int64_t>(y0f), x0 = static_cast<int64_t>(x0f);
  const float ly = y - y0f, lx = x - x0f;
  float v = 0.f;
  for (int dy = 0; dy < 2; ++dy) {
    const int64_t yy = y0 + dy;
    if (yy < 0 || yy >= h) continue;
    const float wy = dy ? ly : 1.f - ly;
    for (int dx = 0; dx < 2; ++dx) {
      const int64_t xx = x0 + dx;
      if (xx < 0 || xx >= w) continue;
      v += wy * (dx ? lx : 1.f - lx) * plane[yy * w + xx];
    }
  }
  return v;
}

struct Geometry {
  int64_t n, c, h, w, m, kh, kw, oh, ow, sh, sw, dh, dw, ph, pw, group, offset_group;
};

class DeformConvKernel : public Kernel {
 public:
  DeformConvKernel(WindowAttrs window, int64_t group, int64_t offset_group)
      : window_(std::move(window)), group_(group), offset_group_(offset_group) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* w = ctx.input(1);
    const Tensor* offset = ctx.input(2);
    const Tensor* bias = ctx.input(3);
    const Tensor* mask = ctx.input(4);
    if (x == nullptr || w == nullptr || offset == nullptr) {
      return Error("inputs X, W and offset are required");
    }
    for (const Tensor* t : {x, w, offset, bias, mask}) {
      if (t != nullptr && t->dtype() != DataType::kFloat) return Error("inputs must be float");
    }
    if (x->rank() != 4) return Error("only 2-D inputs (N, C, H, W) are supported");
    ASSIGN_OR_RETURN(ConvProblem p,
                     MakeConvProblem(kOp, x->shape(), w->shape(), false, group_, window_));
    Geometry g{x->dim(0), x->dim(1), x->dim(2), x->dim(3), w->dim(0), w->dim(2), w->dim(3),
               p.dst[2], p.dst[3], p.strides[0], p.strides[1], p.dilations[0] + 1,
               p.dilations[1] + 1, p.pad_l[0], p.pad_l[1], group_, offset_group_};
    if (g.c % g.offset_group != 0) return Error("C must be divisible by offset_group");
    const Shape offset_shape = {g.n, g.offset_group * g.kh * g.kw * 2, g.oh, g.ow};
    if (offset->shape() != offset_shape) {
      return Error(absl::StrCat("offset must have shape ", ShapeToString(offset_shape)));
    }
    const Shape mask_shape = {g.n, g.offset_group * g.kh * g.kw, g.oh, g.ow};
    if (mask != nullptr && mask->shape() != mask_shape) {
      return Error(absl::StrCat("mask must have shape ", ShapeToString(mask_shape)));
    }
    if (bias != nullptr && (bias->rank() != 1 || bias->dim(0) != g.m)) {
      return Error("B must be 1-D with M values");
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, {g.n, g.m, g.oh, g.ow}));
    if (y->num_elements() == 0) return absl::OkStatus();
    const int64_t cg = g.c / g.group;
    const size_t cols_bytes = cg * g.kh * g.kw * g.oh * g.ow * sizeof(float);
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, cols_bytes, kOp));
    Run(g, *x, *w, *offset, bias, mask, reinterpret_cast<float*>(scratch), y->data<float>());
    return absl::OkStatus();
  }

 private:
  static void Run(const Geometry& g, const Tensor& x, const Tensor& w, const Tensor& offset,
                  const Tensor* bias, const Tensor* mask, float* cols, float* y) {
    const int64_t cg = g.c / g.group, mg = g.m / g.group;
    const int64_t k = g.kh * g.kw, p_size = g.oh * g.ow, kdim = cg * k;
    const int64_t c_per_og = g.c / g.offset_group;
    for (int64_t b = 0; b < g.n; ++b) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        for (int64_t icg = 0; icg < cg; ++icg) {
          const int64_t ic = grp * cg + icg;
          const int64_t og = ic / c_per_og;
          const float* plane = x.data<float>() + (b * g.c + ic) * g.h * g.w;
          const float* off = offset.data<float>() + (b * g.offset_group + og) * k * 2 * p_size;
          const float* msk =
              mask ? mask->data<float>() + (b * g.offset_group + og) * k * p_size : nullptr;
          for (int64_t ki = 0; ki < g.kh; ++ki) {
            for (int64_t kj = 0; kj < g.kw; ++kj) {
              const int64_t kk = ki * g.kw + kj;
              float* row = cols + (icg * k + kk) * p_size;
              for (int64_t oi = 0; oi < g.oh; ++oi) {
                for (int64_t oj = 0; oj < g.ow; ++oj) {
                  const int64_t p = oi * g.ow + oj;
                  const float dy = off[(kk * 2) * p_size + p];
                  const float dx = off[(kk * 2 + 1) * p_size + p];
                  const float yy = static_cast<float>(oi * g.sh - g.ph + ki * g.dh) + dy;
                  const float xx = static_cast<float>(oj * g.sw - g.pw + kj * g.dw) + dx;
                  const float v = Bilinear(plane, g.h, g.w, yy, xx);
                  row[p] = msk ? v * msk[kk * p_size + p] : v;
                }
              }
            }
          }
        }
        for (int64_t mm = 0; mm < mg; ++mm) {
          const int64_t m = grp * mg + mm;
          float* out = y + (b * g.m + m) * p_size;
          const float init = bias ? bias->data<float>()[m] : 0.f;
          for (int64_t p = 0; p < p_size; ++p) out[p] = init;
          const float* wrow = w.data<float>() + m * kdim;
          for (int64_t j = 0; j < kdim; ++j) {
            const float wv = wrow[j];
            const float* col = cols + j * p_size;
            for (int64_t p = 0; p < p_size; ++p) out[p] += wv * col[p];
          }
        }
      }
    }
  }

  WindowAttrs window_;
  int64_t group_, offset_group_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDeformConv(KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttrs window, ReadWindowAttrs(info, /*require_kernel_shape=*/false));
  ASSIGN_OR_RETURN(int64_t group, info.IntOr("group", 1));
  ASSIGN_OR_RETURN(int64_t offset_group, info.IntOr("offset_group", 1));
  if (group < 1 || offset_group < 1) return info.Error("group and offset_group must be >= 1");
  if (window.auto_pad != AutoPad::kNotSet) return info.Error("DeformConv has no auto_pad");
  return std::make_unique<DeformConvKernel>(std::move(window), group, offset_group);
}

}  // namespace

absl::Status RegisterDeformConv(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "DeformConv",
                                     .since_version = 19,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat},
                                     .factory = CreateDeformConv});
}

}  // namespace berth::engine
