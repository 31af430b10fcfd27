// berth::DynamicQuantizeMatMul: ONNX Runtime's dynamic quantization pattern
// (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by the scales [-> bias, activation,
// residual]) as one node on DnnlQMatMul. The contract is in math_kernels.h.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/dnnl_qmatmul.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"

namespace berth::engine {
namespace {

enum Input { kX = 0, kW = 1, kWScale = 2, kWZeroPoint = 3, kBias = 4, kResidual = 5 };

// A per-column vector: 1 or n elements, every dim but the last 1.
absl::Status CheckColumnVector(absl::string_view label, absl::string_view what, const Tensor& t,
                               int64_t n) {
  const int64_t count = t.num_elements();
  bool ok = t.dtype() == DataType::kFloat && (count == 1 || count == n);
  for (int i = 0; i + 1 < t.rank(); ++i) ok = ok && t.dim(i) == 1;
  if (ok) return absl::OkStatus();
  return NodeError(label, absl::StrCat(what, " must be float32 with 1 or ", n,
                                       " elements along its last dim, not ",
                                       DataTypeName(t.dtype()), " ", ShapeToString(t.shape())));
}

class DynamicQuantizeMatMulKernel : public Kernel {
 public:
  DynamicQuantizeMatMulKernel(std::string label, std::unique_ptr<DnnlQMatMul> mm,
                              std::vector<float> w_scale)
      : label_(std::move(label)), mm_(std::move(mm)), w_scale_(std::move(w_scale)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(kX);
    if (x == nullptr) return NodeError(label_, "input X is required");
    const Tensor* bias = ctx.num_inputs() > kBias ? ctx.input(kBias) : nullptr;
    const Tensor* residual = ctx.num_inputs() > kResidual ? ctx.input(kResidual) : nullptr;
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, x->shape(), {mm_->k(), mm_->n()}, false, false));
    if (bias) RETURN_IF_ERROR(CheckColumnVector(label_, "the bias", *bias, mm_->n()));
    std::vector<float> expanded;
    const float* res = nullptr;
    if (residual) {
      if (residual->dtype() != DataType::kFloat) {
        return NodeError(label_, "the residual must be float32");
      }
      RETURN_IF_ERROR(CheckBroadcastableTo(label_, "the residual", residual->shape(), g.output));
      res = residual->data<float>();
      if (residual->shape() != g.output) {
        expanded = Broadcast(*residual, g.output);
        res = expanded.data();
      }
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, g.output));
    return mm_->RunDynamic(ctx, x->data<float>(), g.batch_count * g.m, w_scale_.data(),
                           static_cast<int64_t>(w_scale_.size()),
                           bias ? bias->data<float>() : nullptr, bias ? bias->num_elements() : 0,
                           res, y->data<float>());
  }

 private:
  // `t` broadcast to `shape` (a rare case: the residual normally has the output's shape).
  static std::vector<float> Broadcast(const Tensor& t, const Shape& shape) {
    const int64_t total = NumElementsOf(shape);
    const Shape strides = BroadcastStrides(t.shape(), shape);
    std::vector<float> out(total);
    for (int64_t e = 0; e < total; ++e) {
      int64_t offset = 0, rem = e;
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        offset += (rem % shape[d]) * strides[d];
        rem /= shape[d];
      }
      out[e] = t.data<float>()[offset];
    }
    return out;
  }

  std::string label_;
  std::unique_ptr<DnnlQMatMul> mm_;
  std::vector<float> w_scale_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDynamicQuantizeMatMul(KernelInfo& info) {
  std::string label = NodeLabel(info.node());
  const Tensor* w = info.constant_input(kW);
  const Tensor* w_scale = info.constant_input(kWScale);
  if (w == nullptr || w_scale == nullptr) {
    return info.Error("W and W_scale must be constants (initializers)");
  }
  const Tensor* w_zp = nullptr;
  if (info.has_input(kWZeroPoint)) {
    w_zp = info.constant_input(kWZeroPoint);
    if (w_zp == nullptr) return info.Error("W_zero_point must be a constant (initializer)");
  }
  ASSIGN_OR_RETURN(ShiftedWeights shifted,
                   ShiftWeightsToInt8(label, *w, w_zp, /*allow_residual=*/true));
  if (!DnnlQMatMul::SupportsDynamic(shifted)) {
    return info.Error(
        "uint8 weights with per-column zero points that W - zero_point cannot hold in int8 are "
        "not supported");
  }
  RETURN_IF_ERROR(CheckColumnVector(label, "W_scale", *w_scale, shifted.n));
  std::vector<float> scale(w_scale->data<float>(),
                           w_scale->data<float>() + w_scale->num_elements());
  DnnlQMatMul::Options opt;
  ASSIGN_OR_RETURN(std::string activation, info.StringOr("activation", ""));
  ASSIGN_OR_RETURN(opt.activation, ParseActivation(label, activation));
  ASSIGN_OR_RETURN(int64_t residual_first, info.IntOr("residual_before_activation", 0));
  opt.residual_before_activation = residual_first != 0;
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlQMatMul> mm,
                   DnnlQMatMul::Create(label, std::move(shifted), opt));
  info.ConsumeConstantInput(kW);
  return std::unique_ptr<Kernel>(
      new DynamicQuantizeMatMulKernel(std::move(label), std::move(mm), std::move(scale)));
}

}  // namespace

absl::Status RegisterDynamicQuantizeMatMul(KernelRegistry& registry) {
  return registry.Register(
      {"berth", "DynamicQuantizeMatMul", 1, 1, 0, {DataType::kFloat}, CreateDynamicQuantizeMatMul});
}

}  // namespace berth::engine
