// LRN (1-21): local response normalization across channels,
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2),
//                                                        c + ceil((size-1)/2)]) ^ beta.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/nn_ops.h"

namespace berth::engine {
namespace {

class LrnKernel : public Kernel {
 public:
  LrnKernel(int64_t size, float alpha, float beta, float bias)
      : size_(size), alpha_(alpha), beta_(beta), bias_(bias) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->rank() < 2) {
      return absl::InvalidArgumentError("LRN: X must have rank >= 2 (N, C, ...)");
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->num_elements() == 0) return absl::OkStatus();
    if (x->dtype() == DataType::kFloat) {
      Run<float>(*x, y);
    } else if (x->dtype() == DataType::kDouble) {
      Run<double>(*x, y);
    } else {
      return absl::InvalidArgumentError("LRN: X must be float or double");
    }
    return absl::OkStatus();
  }

 private:
  template <typename T>
  void Run(const Tensor& x, Tensor* y) const {
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t spatial = x.num_elements() / (n * c);
    const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
    const double scale = static_cast<double>(alpha_) / size_;
    const bool parallel = x.num_elements() * size_ > (1 << 16);
#pragma omp parallel for collapse(2) if (parallel)
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t ch = 0; ch < c; ++ch) {
        const int64_t lo = std::max<int64_t>(0, ch - before);
        const int64_t hi = std::min<int64_t>(c - 1, ch + after);
        const T* xb = x.data<T>() + b * c * spatial;
        T* yc = y->data<T>() + (b * c + ch) * spatial;
        for (int64_t s = 0; s < spatial; ++s) {
          double sq = 0;
          for (int64_t k = lo; k <= hi; ++k) {
            const double v = xb[k * spatial + s];
            sq += v * v;
          }
          yc[s] = static_cast<T>(xb[ch * spatial + s] / std::pow(bias_ + scale * sq, beta_));
        }
      }
    }
  }

  int64_t size_;
  float alpha_, beta_, bias_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateLrn(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t size, info.RequiredInt("size"));
  ASSIGN_OR_RETURN(float alpha, info.FloatOr("alpha", 1e-4f));
  ASSIGN_OR_RETURN(float beta, info.FloatOr("beta", 0.75f));
  ASSIGN_OR_RETURN(float bias, info.FloatOr("bias", 1.0f));
  if (size < 1) return info.Error("size must be >= 1");
  return std::make_unique<LrnKernel>(size, alpha, beta, bias);
}

}  // namespace

absl::Status RegisterLrn(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "LRN",
                                     .since_version = 1,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateLrn});
}

}  // namespace berth::engine
