// Gemm: Y = alpha * op(A) op(B) + beta * C, for 2-D A and B. C broadcasts unidirectionally
// to [M, N] (from opset 7; before, only when the `broadcast` attribute is set) and is optional
// from opset 11.
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

class GemmKernel : public Kernel {
 public:
  GemmKernel(std::string label, std::unique_ptr<DnnlMatMul> dnnl, bool c_broadcast)
      : label_(std::move(label)), dnnl_(std::move(dnnl)), c_broadcast_(c_broadcast) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    const Tensor* c = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    if (a == nullptr || (b == nullptr && !dnnl_->holds_weights())) {
      return NodeError(label_, "inputs A and B are required");
    }
    const Shape& b_shape = b ? b->shape() : dnnl_->constant_b_shape();
    if (a->rank() != 2 || b_shape.size() != 2) {
      return NodeError(label_, absl::StrCat("A and B must be 2-D, got ", ShapeToString(a->shape()),
                                            " and ", ShapeToString(b_shape)));
    }
    const DataType b_type = b ? b->dtype() : DataType::kFloat;  // held weights are float
    if (b_type != a->dtype() || (c && c->dtype() != a->dtype())) {
      return NodeError(label_, "A, B and C must have the same type");
    }
    const DnnlMatMul::Options& opt = dnnl_->options();
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, a->shape(), b_shape, opt.trans_a, opt.trans_b));
    if (c) {
      if (!c_broadcast_ && c->shape() != g.output) {
        return NodeError(label_,
                         absl::StrCat("C has shape ", ShapeToString(c->shape()), " but must be ",
                                      ShapeToString(g.output), " when broadcast is 0"));
      }
      RETURN_IF_ERROR(CheckBroadcastableTo(label_, "C", c->shape(), g.output));
    }
    ASSIGN_OR_RETURN(Tensor * out, ctx.Output(0, g.output));
    if (a->dtype() == DataType::kFloat) return dnnl_->Run(ctx, g, *a, b, c, nullptr, out);
    bool ok = VisitWideNumericTypes(a->dtype(), [&](auto tag) {
      using T = decltype(tag);
      PlainMatMul(a->data<T>(), b->data<T>(), out->data<T>(), g, opt.trans_a, opt.trans_b);
      ApplyEpilogue(out->data<T>(), g.output, c, nullptr, opt.epilogue);
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(a->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  std::unique_ptr<DnnlMatMul> dnnl_;
  bool c_broadcast_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGemm(KernelInfo& info) {
  std::string label = NodeLabel(info.node());
  DnnlMatMul::Options opt;
  ASSIGN_OR_RETURN(int64_t trans_a, info.IntOr("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, info.IntOr("transB", 0));
  ASSIGN_OR_RETURN(opt.epilogue.alpha, info.FloatOr("alpha", 1.0f));
  ASSIGN_OR_RETURN(opt.epilogue.beta, info.FloatOr("beta", 1.0f));
  opt.trans_a = trans_a != 0;
  opt.trans_b = trans_b != 0;
  bool c_broadcast = true;
  if (info.opset() < 7) {
    ASSIGN_OR_RETURN(int64_t broadcast, info.IntOr("broadcast", 0));
    c_broadcast = broadcast != 0;
  }
  if (info.opset() < 11 && !info.has_input(2)) {
    return info.Error("input C is required before opset 11");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlMatMul> dnnl,
                   DnnlMatMul::Create(label, opt, info.constant_input(1)));
  // A is 2-D, so the packed copy serves every shape.
  if (dnnl->holds_weights()) info.ConsumeConstantInput(1);
  return std::unique_ptr<Kernel>(new GemmKernel(std::move(label), std::move(dnnl), c_broadcast));
}

}  // namespace

absl::Status RegisterGemm(KernelRegistry& registry) {
  return registry.Register({"", "Gemm", 1, 21, 0, WideNumericTypes(), CreateGemm});
}

}  // namespace berth::engine
