// PRelu: y = x < 0 ? slope * x : x, slope broadcast to x's shape.
//
// Opsets 7-21 broadcast the slope unidirectionally (numpy rules). Opsets 1-6 predate that: a
// one-element slope is shared, and a 1-D slope as long as x's dimension 1 is per channel (how
// Caffe2 and early PyTorch exports use it, e.g. slope [C] for x [N, C, H, W]).
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/binary_kernel.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {
namespace {

struct PReluOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x, C slope) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x;
    } else {
      return x < C(0) ? WrapMul(slope, x) : x;
    }
  }
};

// The slope's shape as it broadcasts against x under the old rules.
Shape LegacySlopeShape(const Shape& x, const Shape& slope) {
  if (NumElementsOf(slope) == 1) return Shape{};
  if (slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) {
    Shape channel(x.size() - 1, 1);
    channel[0] = slope[0];
    return channel;
  }
  return slope;
}

template <typename T>
class PReluKernel final : public Kernel {
 public:
  PReluKernel(std::string label, bool legacy) : label_(std::move(label)), legacy_(legacy) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 0, DataTypeOf<T>::value));
    ASSIGN_OR_RETURN(const Tensor* slope, RequireInput(label_, ctx, 1, DataTypeOf<T>::value));
    Shape slope_shape = legacy_ ? LegacySlopeShape(x->shape(), slope->shape()) : slope->shape();
    BinaryBroadcast broadcast;
    broadcast.mode = BinaryBroadcast::Mode::kUnidirectional;
    BroadcastPlan plan;
    RETURN_IF_ERROR(PlanBinary(label_, broadcast, x->shape(), slope_shape, &plan));
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, x->shape()));
    if (plan.num_elements == 0) return absl::OkStatus();
    RunBinary(plan, x->data<T>(), slope->data<T>(), y->data<T>(), PReluOp{}, kParallelCheap);
    return absl::OkStatus();
  }

 private:
  std::string label_;
  bool legacy_;
};

using PReluTypes = decltype(FloatTypes{} + TypeList<int32_t, int64_t, uint32_t, uint64_t>{});

absl::StatusOr<std::unique_ptr<Kernel>> MakePRelu(KernelInfo& info) {
  if (info.num_inputs() != 2 || !info.has_input(1) || info.num_outputs() < 1) {
    return info.Error("expects inputs X and slope and one output");
  }
  if (info.input_type(1) != info.input_type(0)) {
    return info.Error("slope must have X's type " + DataTypeName(info.input_type(0)));
  }
  std::unique_ptr<Kernel> kernel;
  DispatchType(PReluTypes{}, info.input_type(0), [&](auto tag) {
    kernel = std::make_unique<PReluKernel<decltype(tag)>>(NodeLabel(info), info.opset() < 7);
  });
  if (kernel == nullptr) {
    return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
  }
  return kernel;
}

}  // namespace

absl::Status RegisterPRelu(KernelRegistry& r) {
  KernelDef def;
  def.op_type = "PRelu";
  def.since_version = 1;
  def.types = DataTypesOf(PReluTypes{});
  def.factory = MakePRelu;
  return r.Register(std::move(def));
}

}  // namespace berth::engine
