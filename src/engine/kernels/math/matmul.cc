// MatMul (numpy semantics) and berth's FusedMatMul: float32 on oneDNN, other types by loop.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/dnnl_matmul.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"

namespace berth::engine {
namespace {

// Checks that A is present, that B is present unless `dnnl` holds it, and that every given
// input among the first `num_checked` has A's type. Returns B's shape.
absl::StatusOr<Shape> CheckOperands(absl::string_view label, KernelContext& ctx, int num_checked,
                                    const DnnlMatMul& dnnl) {
  const Tensor* a = ctx.input(0);
  const Tensor* b = ctx.input(1);
  if (a == nullptr || (b == nullptr && !dnnl.holds_weights())) {
    return NodeError(label, "inputs A and B are required");
  }
  for (int i = 1; i < num_checked && i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t != nullptr && t->dtype() != a->dtype()) {
      return NodeError(label, absl::StrCat("input ", i, " has type ", DataTypeName(t->dtype()),
                                           " but A has ", DataTypeName(a->dtype())));
    }
  }
  if (b == nullptr && a->dtype() != DataType::kFloat) {
    return NodeError(label, "A and B must have the same type");  // held weights are float
  }
  return b != nullptr ? b->shape() : dnnl.constant_b_shape();
}

class MatMulKernel : public Kernel {
 public:
  MatMulKernel(std::string label, std::unique_ptr<DnnlMatMul> dnnl)
      : label_(std::move(label)), dnnl_(std::move(dnnl)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Shape b_shape, CheckOperands(label_, ctx, 2, *dnnl_));
    const Tensor& a = *ctx.input(0);
    const Tensor* b = ctx.input(1);
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, a.shape(), b_shape, false, false));
    ASSIGN_OR_RETURN(Tensor * out, ctx.Output(0, g.output));
    if (a.dtype() == DataType::kFloat) return dnnl_->Run(ctx, g, a, b, nullptr, nullptr, out);
    bool ok = VisitWideNumericTypes(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      PlainMatMul(a.data<T>(), b->data<T>(), out->data<T>(), g, false, false);
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(a.dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  std::unique_ptr<DnnlMatMul> dnnl_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMatMul(KernelInfo& info) {
  std::string label = NodeLabel(info.node());
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlMatMul> dnnl,
                   DnnlMatMul::Create(label, DnnlMatMul::Options{}, info.constant_input(1)));
  // A is never transposed, so the packed copy serves every shape.
  if (dnnl->holds_weights()) info.ConsumeConstantInput(1);
  return std::unique_ptr<Kernel>(new MatMulKernel(std::move(label), std::move(dnnl)));
}

// Inputs: A, B, optional bias (scaled by beta), optional residual. See math_kernels.h.
class FusedMatMulKernel : public Kernel {
 public:
  FusedMatMulKernel(std::string label, std::unique_ptr<DnnlMatMul> dnnl)
      : label_(std::move(label)), dnnl_(std::move(dnnl)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Shape b_shape, CheckOperands(label_, ctx, 4, *dnnl_));
    const Tensor& a = *ctx.input(0);
    const Tensor* b = ctx.input(1);
    const Tensor* bias = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    const Tensor* residual = ctx.num_inputs() > 3 ? ctx.input(3) : nullptr;
    const DnnlMatMul::Options& opt = dnnl_->options();
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, a.shape(), b_shape, opt.trans_a, opt.trans_b));
    if (bias) RETURN_IF_ERROR(CheckBroadcastableTo(label_, "bias", bias->shape(), g.output));
    if (residual) {
      RETURN_IF_ERROR(CheckBroadcastableTo(label_, "residual", residual->shape(), g.output));
    }
    ASSIGN_OR_RETURN(Tensor * out, ctx.Output(0, g.output));
    return dnnl_->Run(ctx, g, a, b, bias, residual, out);
  }

 private:
  std::string label_;
  std::unique_ptr<DnnlMatMul> dnnl_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateFusedMatMul(KernelInfo& info) {
  std::string label = NodeLabel(info.node());
  DnnlMatMul::Options opt;
  ASSIGN_OR_RETURN(int64_t trans_a, info.IntOr("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, info.IntOr("transB", 0));
  ASSIGN_OR_RETURN(opt.epilogue.alpha, info.FloatOr("alpha", 1.0f));
  ASSIGN_OR_RETURN(opt.epilogue.beta, info.FloatOr("beta", 1.0f));
  ASSIGN_OR_RETURN(std::string activation, info.StringOr("activation", ""));
  ASSIGN_OR_RETURN(opt.epilogue.activation, ParseActivation(label, activation));
  ASSIGN_OR_RETURN(int64_t residual_first, info.IntOr("residual_before_activation", 0));
  opt.trans_a = trans_a != 0;
  opt.trans_b = trans_b != 0;
  opt.epilogue.residual_before_activation = residual_first != 0;
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlMatMul> dnnl,
                   DnnlMatMul::Create(label, opt, info.constant_input(1)));
  // A transposed with batch dims would need B in its plain layout.
  if (dnnl->holds_weights() && !opt.trans_a) info.ConsumeConstantInput(1);
  return std::unique_ptr<Kernel>(new FusedMatMulKernel(std::move(label), std::move(dnnl)));
}

}  // namespace

absl::Status RegisterMatMul(KernelRegistry& registry) {
  return registry.Register({"", "MatMul", 1, 21, 0, WideNumericTypes(), CreateMatMul});
}

absl::Status RegisterFusedMatMul(KernelRegistry& registry) {
  return registry.Register(
      {"berth", "FusedMatMul", 1, 1, 0, {DataType::kFloat}, CreateFusedMatMul});
}

}  // namespace berth::engine
