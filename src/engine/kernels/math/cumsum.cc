// CumSum: running sums along the axis given by a scalar (or one-element) int32/int64 input,
// optionally exclusive (each output leaves its own element out) and/or reversed.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

template <typename T>
void CumSumLoop(const T* x, T* y, int64_t outer, int64_t d, int64_t inner, bool exclusive,
                bool reverse) {
  using C = ComputeT<T>;
  const bool parallel = outer > 1 && outer * d * inner > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * d * inner;
    T* yo = y + o * d * inner;
    for (int64_t i = 0; i < inner; ++i) {
      C sum = C(0);
      for (int64_t step = 0; step < d; ++step) {
        const int64_t j = reverse ? d - 1 - step : step;
        const C v = static_cast<C>(xo[j * inner + i]);
        if (exclusive) {
          yo[j * inner + i] = static_cast<T>(sum);
          sum += v;
        } else {
          sum += v;
          yo[j * inner + i] = static_cast<T>(sum);
        }
      }
    }
  }
}

class CumSumKernel : public Kernel {
 public:
  CumSumKernel(std::string label, bool exclusive, bool reverse)
      : label_(std::move(label)), exclusive_(exclusive), reverse_(reverse) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* axis_t = ctx.num_inputs() > 1 ? ctx.input(1) : nullptr;
    if (x == nullptr || axis_t == nullptr) {
      return NodeError(label_, "inputs x and axis are required");
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> axis_v, ReadIntList(label_, "axis", *axis_t));
    if (axis_v.size() != 1 || axis_t->rank() > 1) {
      return NodeError(label_, "axis must be a scalar");
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(label_, axis_v[0], x->rank()));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->num_elements() == 0) return absl::OkStatus();
    const int64_t outer = DimProduct(x->shape(), 0, axis);
    const int64_t inner = DimProduct(x->shape(), axis + 1, x->rank());
    bool ok = VisitWideNumericTypes(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      CumSumLoop(x->data<T>(), y->data<T>(), outer, x->dim(axis), inner, exclusive_, reverse_);
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  bool exclusive_;
  bool reverse_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateCumSum(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t exclusive, info.IntOr("exclusive", 0));
  ASSIGN_OR_RETURN(int64_t reverse, info.IntOr("reverse", 0));
  return std::unique_ptr<Kernel>(
      new CumSumKernel(NodeLabel(info.node()), exclusive != 0, reverse != 0));
}

}  // namespace

absl::Status RegisterCumSum(KernelRegistry& registry) {
  return registry.Register({"", "CumSum", 11, 21, 0, WideNumericTypes(), CreateCumSum});
}

}  // namespace berth::engine
