// InstanceNormalization (1-21) and GroupNormalization (18-21): both normalize contiguous
// blocks of an NC... tensor (one channel, or one group of channels, of one batch item) and then
// apply a per-channel (or, for GroupNormalization-18, per-group) scale and bias.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/norm_stats.h"

namespace berth::engine {
namespace {

struct BlockNormParams {
  std::string op;
  float epsilon = 1e-5f;
  int64_t num_groups = 0;        // 0: InstanceNormalization (one group per channel)
  bool per_group_affine = false;  // GroupNormalization-18: scale and bias have G values
};

class BlockNormKernel : public Kernel {
 public:
  explicit BlockNormKernel(BlockNormParams params) : p_(std::move(params)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* scale = ctx.input(1);
    const Tensor* bias = ctx.input(2);
    if (x == nullptr || scale == nullptr || bias == nullptr) {
      return Error("inputs X, scale and bias are required");
    }
    if (x->rank() < 2) return Error("X must have rank >= 2 (N, C, ...)");
    if (scale->dtype() != x->dtype() || bias->dtype() != x->dtype()) {
      return Error("scale and bias must have X's type");
    }
    const int64_t c = x->dim(1);
    const int64_t groups = p_.num_groups == 0 ? c : p_.num_groups;
    if (c % groups != 0) {
      return Error(absl::StrCat("the ", c, " channels do not split into ", groups, " groups"));
    }
    const int64_t affine = p_.per_group_affine ? groups : c;
    if (scale->rank() != 1 || scale->dim(0) != affine || bias->shape() != scale->shape()) {
      return Error(absl::StrCat("scale and bias must be 1-D with ", affine, " values"));
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->num_elements() == 0) return absl::OkStatus();
    if (x->dtype() == DataType::kFloat) {
      Run<float>(*x, *scale, *bias, groups, y);
    } else if (x->dtype() == DataType::kDouble) {
      Run<double>(*x, *scale, *bias, groups, y);
    } else {
      return Error("X must be float or double");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(p_.op, ": ", message));
  }

  template <typename T>
  void Run(const Tensor& x, const Tensor& scale, const Tensor& bias, int64_t groups,
           Tensor* y) const {
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t spatial = x.num_elements() / (n * c);
    const int64_t per_group = c / groups;
    const int64_t block = per_group * spatial;
    const T* s = scale.data<T>();
    const T* b = bias.data<T>();
    const bool parallel = n * groups > 1 && x.num_elements() > (1 << 16);
#pragma omp parallel for if (parallel)
    for (int64_t nb = 0; nb < n * groups; ++nb) {
      const T* xb = x.data<T>() + nb * block;
      T* yb = y->data<T>() + nb * block;
      double mean, var;
      MeanVariance(xb, block, &mean, &var);
      const double inv_std = 1.0 / std::sqrt(var + p_.epsilon);
      const int64_t g = nb % groups;
      for (int64_t ch = 0; ch < per_group; ++ch) {
        const int64_t affine = p_.per_group_affine ? g : g * per_group + ch;
        const double a = inv_std * static_cast<double>(s[affine]);
        const double shift = static_cast<double>(b[affine]) - mean * a;
        const T* xc = xb + ch * spatial;
        T* yc = yb + ch * spatial;
        for (int64_t i = 0; i < spatial; ++i) yc[i] = static_cast<T>(xc[i] * a + shift);
      }
    }
  }

  BlockNormParams p_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateInstanceNorm(KernelInfo& info) {
  BlockNormParams p;
  p.op = "InstanceNormalization";
  ASSIGN_OR_RETURN(p.epsilon, info.FloatOr("epsilon", 1e-5f));
  return std::make_unique<BlockNormKernel>(std::move(p));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGroupNorm(KernelInfo& info) {
  BlockNormParams p;
  p.op = "GroupNormalization";
  ASSIGN_OR_RETURN(p.epsilon, info.FloatOr("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(p.num_groups, info.RequiredInt("num_groups"));
  // stash_type (21) only chooses the precision of the statistics; they are always double here.
  RETURN_IF_ERROR(info.IntOr("stash_type", 1).status());
  if (p.num_groups < 1) return info.Error("num_groups must be >= 1");
  p.per_group_affine = info.opset() < 21;
  return std::make_unique<BlockNormKernel>(std::move(p));
}

}  // namespace

absl::Status RegisterInstanceGroupNorm(KernelRegistry& registry) {
  const std::vector<DataType> types = {DataType::kFloat, DataType::kDouble};
  RETURN_IF_ERROR(registry.Register(KernelDef{.domain = "",
                                              .op_type = "InstanceNormalization",
                                              .since_version = 1,
                                              .end_version = 21,
                                              .type_input = 0,
                                              .types = types,
                                              .factory = CreateInstanceNorm}));
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "GroupNormalization",
                                     .since_version = 18,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = types,
                                     .factory = CreateGroupNorm});
}

}  // namespace berth::engine
