// Sum, Mean, Max, Min over one or more inputs broadcast together (opsets 1-7 required equal
// shapes, a special case). The output accumulates pairwise: out = op(in0, in1), then
// out = op(out, ink) in place.
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/binary_kernel.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {
namespace {

struct SumOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return WrapAdd(a, b);
  }
};

// Floating NaN propagates, as numpy.maximum / minimum do.
struct MaxOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      return (a > b || a != a) ? a : b;
    } else {
      return a > b ? a : b;
    }
  }
};

struct MinOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      return (a < b || a != a) ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};

// Writes `src` broadcast to the plan's input-0 shape (the output) into dst.
template <typename T>
void BroadcastCopy(const BroadcastPlan& plan, const T* src, T* dst) {
  ParallelRanges(plan.num_elements, kParallelCheap, [&](int64_t begin, int64_t end) {
    ForEachRun(plan, begin, end, [&](int64_t pos, const RunOffsets& off, int64_t len) {
      if (plan.inner_contiguous[1]) {
        std::memcpy(dst + pos, src + off[1], len * sizeof(T));
      } else {
        std::fill(dst + pos, dst + pos + len, src[off[1]]);
      }
    });
  });
}

template <typename T, typename Op, bool kMean>
class VariadicKernel final : public Kernel {
 public:
  explicit VariadicKernel(std::string label) : label_(std::move(label)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const int n = ctx.num_inputs();
    if (n < 1) return LabeledError(label_, "needs at least one input");
    absl::InlinedVector<const Tensor*, 4> inputs;
    absl::InlinedVector<const Shape*, 4> shapes;
    for (int i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(const Tensor* t, RequireInput(label_, ctx, i, DataTypeOf<T>::value));
      inputs.push_back(t);
      shapes.push_back(&t->shape());
    }
    Shape out_shape;
    RETURN_IF_ERROR(BroadcastShapes(label_, shapes, &out_shape));
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    if (out->num_elements() == 0) return absl::OkStatus();
    T* y = out->data<T>();
    BroadcastPlan plan;
    int next = 1;
    if (n >= 2) RETURN_IF_ERROR(MakeBroadcastPlan(label_, {shapes[0], shapes[1]}, &plan));
    if (n >= 2 && plan.out_shape == out_shape) {
      RunBinary(plan, inputs[0]->data<T>(), inputs[1]->data<T>(), y, Op{}, kParallelCheap);
      next = 2;
    } else {
      RETURN_IF_ERROR(MakeBroadcastPlan(label_, {&out_shape, shapes[0]}, &plan));
      BroadcastCopy(plan, inputs[0]->data<T>(), y);
    }
    for (int k = next; k < n; ++k) {
      RETURN_IF_ERROR(MakeBroadcastPlan(label_, {&out_shape, shapes[k]}, &plan));
      RunBinary(plan, static_cast<const T*>(y), inputs[k]->data<T>(), y, Op{}, kParallelCheap);
    }
    if constexpr (kMean) {
      ParallelRanges(out->num_elements(), kParallelCheap, [&](int64_t begin, int64_t end) {
        ApplyUnary(static_cast<const T*>(y), y, begin, end,
                   [n](auto v) { return v / static_cast<decltype(v)>(n); });
      });
    }
    return absl::OkStatus();
  }

 private:
  std::string label_;
};

template <typename Op, bool kMean, typename... Ts>
absl::Status RegisterVariadicOp(KernelRegistry& registry, const std::string& op_type,
                                TypeList<Ts...> types) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = 1;
  def.types = DataTypesOf(types);
  def.factory = [types](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (info.num_inputs() < 1 || info.num_outputs() < 1) {
      return info.Error("expects at least one input and one output");
    }
    for (int i = 0; i < info.num_inputs(); ++i) {
      if (info.input_type(i) != info.input_type(0)) {
        return info.Error(absl::StrCat("input ", i, " has type ",
                                       DataTypeName(info.input_type(i)), ", input 0 has ",
                                       DataTypeName(info.input_type(0))));
      }
    }
    std::unique_ptr<Kernel> kernel;
    DispatchType(types, info.input_type(0), [&](auto tag) {
      kernel = std::make_unique<VariadicKernel<decltype(tag), Op, kMean>>(NodeLabel(info));
    });
    if (kernel == nullptr) {
      return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
    }
    return kernel;
  };
  return registry.Register(std::move(def));
}

}  // namespace

absl::Status RegisterVariadic(KernelRegistry& r) {
  RETURN_IF_ERROR((RegisterVariadicOp<SumOp, false>(r, "Sum", FloatTypes{})));
  RETURN_IF_ERROR((RegisterVariadicOp<SumOp, true>(r, "Mean", FloatTypes{})));
  RETURN_IF_ERROR((RegisterVariadicOp<MaxOp, false>(r, "Max", NumericTypes{})));
  RETURN_IF_ERROR((RegisterVariadicOp<MinOp, false>(r, "Min", NumericTypes{})));
  return absl::OkStatus();
}

}  // namespace berth::engine
