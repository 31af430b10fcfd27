// Pow: base of type T, exponent of any numeric type (opset 12+), result of type T.
//
// The exponent is read in one type per base: float for float/float16/bfloat16 bases, double for
// double, int64 for an integer base with an integer exponent (exact integer power) and double
// for an integer base with a floating exponent (then truncated, as numpy's astype does). An
// exponent of another type is converted into scratch space first; it is usually a scalar.
#include <cmath>
#include <memory>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/binary_kernel.h"
#include "engine/kernels/elementwise/cast_convert.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {
namespace {

// base^e with wrapping multiplication; negative exponents give 1/base^-e truncated.
int64_t IntPow(int64_t base, int64_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return (e & 1) ? -1 : 1;
    return 0;
  }
  int64_t result = 1;
  while (e > 0) {
    if (e & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    e >>= 1;
  }
  return result;
}

struct PowOp {
  template <typename C, typename E>
  BERTH_ELEMENT_INLINE C operator()(C base, E e) const {
    if constexpr (std::is_integral_v<C> && std::is_integral_v<E>) {
      return static_cast<C>(IntPow(base, e));
    } else if constexpr (std::is_integral_v<C>) {
      return ConvertValue<C>(std::pow(static_cast<double>(base), e));
    } else {
      return std::pow(base, static_cast<C>(e));
    }
  }
};

template <typename T, typename E>
class PowKernel final : public Kernel {
 public:
  PowKernel(std::string label, BinaryBroadcast broadcast)
      : label_(std::move(label)), broadcast_(broadcast) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* a, RequireInput(label_, ctx, 0, DataTypeOf<T>::value));
    const Tensor* b = ctx.input(1);
    if (b == nullptr) return LabeledError(label_, "input 1 is missing");
    BroadcastPlan plan;
    RETURN_IF_ERROR(PlanBinary(label_, broadcast_, a->shape(), b->shape(), &plan));
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, plan.out_shape));
    if (plan.num_elements == 0) return absl::OkStatus();
    const E* exponent = nullptr;
    if (b->dtype() == DataTypeOf<E>::value) {
      exponent = b->data<E>();
    } else {
      E* converted = static_cast<E*>(ctx.Scratch(b->num_elements() * sizeof(E)));
      if (converted == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch");
      if (!ConvertNumeric(b->dtype(), b->raw_data(), DataTypeOf<E>::value, converted,
                          b->num_elements())) {
        return LabeledError(label_, "unsupported exponent type " + DataTypeName(b->dtype()));
      }
      exponent = converted;
    }
    const T* base = a->data<T>();
    T* y = out->data<T>();
    if constexpr (std::is_floating_point_v<ComputeT<T>>) {
      // x^2 and x^1 are common (variance, MVN) and cheaper than pow.
      if (b->num_elements() == 1 && (exponent[0] == E(2) || exponent[0] == E(1))) {
        bool square = exponent[0] == E(2);
        ParallelRanges(plan.num_elements, kParallelCheap, [&](int64_t begin, int64_t end) {
          if (square) {
            ApplyUnary(base, y, begin, end, [](auto x) { return x * x; });
          } else {
            ApplyUnary(base, y, begin, end, [](auto x) { return x; });
          }
        });
        return absl::OkStatus();
      }
    }
    RunBinary(plan, base, exponent, y, PowOp{}, kParallelCostly);
    return absl::OkStatus();
  }

 private:
  std::string label_;
  BinaryBroadcast broadcast_;
};

using BaseTypes = TypeList<float, double, Float16, BFloat16, int32_t, int64_t>;

absl::StatusOr<std::unique_ptr<Kernel>> MakePow(KernelInfo& info) {
  if (info.num_inputs() != 2 || !info.has_input(1) || info.num_outputs() < 1) {
    return info.Error("expects two inputs and one output");
  }
  DataType exponent_type = info.input_type(1);
  if (!DispatchType(NumericTypes{}, exponent_type, [](auto) {})) {
    return info.Error("unsupported exponent type " + DataTypeName(exponent_type));
  }
  ASSIGN_OR_RETURN(BinaryBroadcast broadcast, ReadBroadcastAttributes(info, 6));
  std::unique_ptr<Kernel> kernel;
  DispatchType(BaseTypes{}, info.input_type(0), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, double>) {
      kernel = std::make_unique<PowKernel<T, double>>(NodeLabel(info), broadcast);
    } else if constexpr (!std::is_integral_v<T>) {
      kernel = std::make_unique<PowKernel<T, float>>(NodeLabel(info), broadcast);
    } else if (IsFloatingPoint(exponent_type)) {
      kernel = std::make_unique<PowKernel<T, double>>(NodeLabel(info), broadcast);
    } else {
      kernel = std::make_unique<PowKernel<T, int64_t>>(NodeLabel(info), broadcast);
    }
  });
  if (kernel == nullptr) {
    return info.Error("unsupported base type " + DataTypeName(info.input_type(0)));
  }
  return kernel;
}

}  // namespace

absl::Status RegisterPow(KernelRegistry& r) {
  KernelDef def;
  def.op_type = "Pow";
  def.since_version = 1;
  def.types = DataTypesOf(BaseTypes{});
  def.factory = MakePow;
  return r.Register(std::move(def));
}

}  // namespace berth::engine
