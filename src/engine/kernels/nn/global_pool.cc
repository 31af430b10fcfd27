// GlobalAveragePool, GlobalMaxPool (1-21) and GlobalLpPool (1-21): one value per (N, C) plane.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/pool_loops.h"

namespace berth::engine {
namespace {

class GlobalPoolKernel : public Kernel {
 public:
  GlobalPoolKernel(std::string op, PoolKind kind, float p)
      : op_(std::move(op)), kind_(kind), p_(p) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->rank() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_, ": input X must have rank >= 2 (N, C, spatial...)"));
    }
    Shape y_shape(x->rank(), 1);
    y_shape[0] = x->dim(0);
    y_shape[1] = x->dim(1);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, y_shape));
    const int64_t planes = x->dim(0) * x->dim(1);
    if (planes == 0) return absl::OkStatus();
    const int64_t size = x->num_elements() / planes;
    if (size == 0) {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": the spatial dims are empty"));
    }
    if (x->dtype() == DataType::kFloat) {
      GlobalPoolPlanes<float>(kind_, p_, planes, size, x->data<float>(), y->data<float>());
    } else if (x->dtype() == DataType::kDouble) {
      GlobalPoolPlanes<double>(kind_, p_, planes, size, x->data<double>(), y->data<double>());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": X must be float or double"));
    }
    return absl::OkStatus();
  }

 private:
  std::string op_;
  PoolKind kind_;
  float p_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGlobalPool(KernelInfo& info, PoolKind kind) {
  float p = 2.f;
  if (kind == PoolKind::kLp) {
    // A float in opset 1, an int from opset 2.
    if (info.opset() < 2) {
      ASSIGN_OR_RETURN(p, info.FloatOr("p", 2.f));
    } else {
      ASSIGN_OR_RETURN(int64_t pi, info.IntOr("p", 2));
      p = static_cast<float>(pi);
    }
    if (!(p > 0.f)) return info.Error("p must be positive");
  }
  return std::make_unique<GlobalPoolKernel>(info.node().op_type, kind, p);
}

absl::Status RegisterOne(KernelRegistry& registry, const char* op, PoolKind kind) {
  return registry.Register(KernelDef{
      .domain = "",
      .op_type = op,
      .since_version = 1,
      .end_version = 21,
      .type_input = 0,
      .types = {DataType::kFloat, DataType::kDouble},
      .factory = [kind](KernelInfo& info) { return CreateGlobalPool(info, kind); }});
}

}  // namespace

absl::Status RegisterGlobalPool(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalAveragePool", PoolKind::kAverage));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalMaxPool", PoolKind::kMax));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalLpPool", PoolKind::kLp));
  return absl::OkStatus();
}

}  // namespace berth::engine
