// ConvInteger (10-21) and QLinearConv (10-21) over int8/uint8 inputs, on int_conv.h.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/conv_primitive.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/int_conv.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/qlinear_conv.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

bool IsInt8Type(DataType t) { return t == DataType::kInt8 || t == DataType::kUint8; }

absl::Status Error(const std::string& op, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(op, ": ", message));
}

absl::StatusOr<float> ScalarScale(const Tensor* t, const std::string& op, const char* name) {
  if (t == nullptr || t->dtype() != DataType::kFloat || t->num_elements() != 1) {
    return Error(op, absl::StrCat(name, " must be a single float value"));
  }
  return t->data<float>()[0];
}

// The inputs both ops share: where x, w and their zero points are.
struct IntConvInputs {
  int x = 0, w = 1, x_zp = 2, w_zp = 3;
};

class IntConvKernel : public Kernel {
 public:
  IntConvKernel(std::string op, WindowAttrs window, int64_t group, bool requantize)
      : op_(std::move(op)), window_(std::move(window)), group_(group), requantize_(requantize) {
    if (requantize_) inputs_ = {0, 3, 2, 5};
  }

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(inputs_.x);
    const Tensor* w = ctx.input(inputs_.w);
    if (x == nullptr || w == nullptr) return Error(op_, "inputs x and w are required");
    if (!IsInt8Type(x->dtype()) || !IsInt8Type(w->dtype())) {
      return Error(op_, "x and w must be int8 or uint8");
    }
    ASSIGN_OR_RETURN(ConvProblem problem,
                     MakeConvProblem(op_, x->shape(), w->shape(), false, group_, window_));
    const int64_t m = w->dim(0);
    ASSIGN_OR_RETURN(int32_t x_zp,
                     ScalarZeroPoint(ctx.input(inputs_.x_zp), x->dtype(), op_, "x_zero_point"));
    const Shape y_shape(problem.dst.begin(), problem.dst.end());
    const int64_t y_count = NumElementsOf(y_shape);
    ScratchPlan plan;
    const size_t conv_off = plan.Add(IntConvScratchBytes(problem));
    const size_t zp_off = plan.Add(m * sizeof(int32_t));
    const size_t acc_off = plan.Add(requantize_ ? y_count * sizeof(int32_t) : 0);
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan.total(), op_));
    int32_t* w_zp = reinterpret_cast<int32_t*>(scratch + zp_off);
    RETURN_IF_ERROR(ChannelZeroPoints(ctx.input(inputs_.w_zp), w->dtype(), m, op_, w_zp));
    if (!requantize_) {
      ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, y_shape));
      if (y_count > 0) {
        IntConvAccumulate(problem, *x, x_zp, *w, w_zp, y->data<int32_t>(), scratch + conv_off);
      }
      return absl::OkStatus();
    }
    int32_t* acc = reinterpret_cast<int32_t*>(scratch + acc_off);
    return Requantize(ctx, problem, *x, x_zp, *w, w_zp, acc, scratch + conv_off, y_shape);
  }

 private:
  // QLinearConv: y = saturate(round((acc + B) * x_scale * w_scale / y_scale) + y_zero_point).
  absl::Status Requantize(KernelContext& ctx, const ConvProblem& problem, const Tensor& x,
                          int32_t x_zp, const Tensor& w, const int32_t* w_zp, int32_t* acc,
                          void* conv_scratch, const Shape& y_shape) const {
    const int64_t m = w.dim(0);
    ASSIGN_OR_RETURN(float x_scale, ScalarScale(ctx.input(1), op_, "x_scale"));
    ASSIGN_OR_RETURN(float y_scale, ScalarScale(ctx.input(6), op_, "y_scale"));
    const Tensor* w_scale = ctx.input(4);
    if (w_scale == nullptr || w_scale->dtype() != DataType::kFloat ||
        !(w_scale->num_elements() == 1 || (w_scale->rank() == 1 && w_scale->dim(0) == m))) {
      return Error(op_, absl::StrCat("w_scale must be one float or ", m, " floats"));
    }
    const Tensor* y_zp_t = ctx.input(7);
    const DataType y_type = y_zp_t != nullptr ? y_zp_t->dtype() : x.dtype();
    ASSIGN_OR_RETURN(int32_t y_zp, ScalarZeroPoint(y_zp_t, y_type, op_, "y_zero_point"));
    const Tensor* bias = ctx.input(8);
    if (bias != nullptr && (bias->dtype() != DataType::kInt32 || bias->rank() != 1 ||
                            bias->dim(0) != m)) {
      return Error(op_, absl::StrCat("B must be 1-D int32 with ", m, " values"));
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.OutputWithType(0, y_type, y_shape));
    if (y->num_elements() == 0) return absl::OkStatus();
    IntConvAccumulate(problem, x, x_zp, w, w_zp, acc, conv_scratch);
    const int32_t lo = y_type == DataType::kInt8 ? -128 : 0;
    const int32_t hi = y_type == DataType::kInt8 ? 127 : 255;
    const int64_t spatial = y->num_elements() / (y_shape[0] * m);
    for (int64_t i = 0; i < y->num_elements(); ++i) {
      const int64_t ch = (i / spatial) % m;
      const float ws = w_scale->data<float>()[w_scale->num_elements() == 1 ? 0 : ch];
      const float scale = x_scale * ws / y_scale;
      const int64_t sum = static_cast<int64_t>(acc[i]) + (bias ? bias->data<int32_t>()[ch] : 0);
      const double v = std::nearbyint(static_cast<double>(sum) * scale) + y_zp;
      const int32_t q = static_cast<int32_t>(std::clamp<double>(v, lo, hi));
      if (y_type == DataType::kInt8) {
        y->data<int8_t>()[i] = static_cast<int8_t>(q);
      } else {
        y->data<uint8_t>()[i] = static_cast<uint8_t>(q);
      }
    }
    return absl::OkStatus();
  }

  std::string op_;
  WindowAttrs window_;
  int64_t group_;
  bool requantize_;
  IntConvInputs inputs_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateIntConv(KernelInfo& info, bool requantize) {
  // oneDNN's int8 convolution where it covers the case; the loops below for the rest.
  ASSIGN_OR_RETURN(std::unique_ptr<Kernel> fast, requantize ? MaybeCreateDnnlQLinearConv(info)
                                                            : MaybeCreateDnnlConvInteger(info));
  if (fast != nullptr) return fast;
  ASSIGN_OR_RETURN(WindowAttrs window, ReadWindowAttrs(info, /*require_kernel_shape=*/false));
  ASSIGN_OR_RETURN(int64_t group, info.IntOr("group", 1));
  if (group < 1) return info.Error("group must be >= 1");
  if (!info.output_types().empty()) {
    if (!requantize) {
      info.output_types()[0] = DataType::kInt32;
    } else if (info.has_input(7)) {
      info.output_types()[0] = info.input_type(7);
    }
  }
  return std::make_unique<IntConvKernel>(info.node().op_type, std::move(window), group,
                                         requantize);
}

absl::Status RegisterOne(KernelRegistry& registry, const char* op, bool requantize) {
  return registry.Register(KernelDef{
      .domain = "",
      .op_type = op,
      .since_version = 10,
      .end_version = 21,
      .type_input = 0,
      .types = {DataType::kInt8, DataType::kUint8},
      .factory = [requantize](KernelInfo& info) { return CreateIntConv(info, requantize); }});
}

}  // namespace

absl::Status RegisterConvInteger(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOne(registry, "ConvInteger", /*requantize=*/false));
  return RegisterOne(registry, "QLinearConv", /*requantize=*/true);
}

}  // namespace berth::engine
