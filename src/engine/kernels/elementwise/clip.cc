// Clip: bounds from the `min`/`max` attributes (opsets 1-10, defaulting to -+FLT_MAX) or from
// optional scalar inputs 1 and 2 (opsets 11-21; a missing one does not bound). With min > max
// every element becomes max, as numpy.clip gives. NaN passes through.
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/unary_kernel.h"

namespace berth::engine {
namespace {

// An attribute bound in the compute type; integers saturate (the float default is FLT_MAX).
template <typename C>
C SaturateTo(double v) {
  if constexpr (std::is_integral_v<C>) {
    if (!(v > static_cast<double>(std::numeric_limits<C>::lowest()))) {
      return std::numeric_limits<C>::lowest();
    }
    if (v >= static_cast<double>(std::numeric_limits<C>::max())) {
      return std::numeric_limits<C>::max();
    }
  }
  return static_cast<C>(v);
}

template <typename T>
class ClipKernel final : public Kernel {
 public:
  using C = ComputeT<T>;

  // Bounds from attributes when given; otherwise they come from the inputs at run time.
  ClipKernel(std::string label, std::optional<C> lo, std::optional<C> hi, bool bounds_as_inputs)
      : label_(std::move(label)), lo_(lo), hi_(hi), bounds_as_inputs_(bounds_as_inputs) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 0, DataTypeOf<T>::value));
    C lo = Lowest();
    C hi = Highest();
    if (bounds_as_inputs_) {
      RETURN_IF_ERROR(ReadBound(ctx, 1, "min", &lo));
      RETURN_IF_ERROR(ReadBound(ctx, 2, "max", &hi));
    } else {
      lo = lo_.value_or(lo);
      hi = hi_.value_or(hi);
    }
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, x->shape()));
    ParallelRanges(x->num_elements(), kParallelCheap, [&](int64_t begin, int64_t end) {
      ApplyUnary(x->data<T>(), y->data<T>(), begin, end, [lo, hi](C v) {
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
      });
    });
    return absl::OkStatus();
  }

 private:
  static C Lowest() {
    if constexpr (std::numeric_limits<C>::has_infinity) {
      return -std::numeric_limits<C>::infinity();
    } else {
      return std::numeric_limits<C>::lowest();
    }
  }
  static C Highest() {
    if constexpr (std::numeric_limits<C>::has_infinity) {
      return std::numeric_limits<C>::infinity();
    } else {
      return std::numeric_limits<C>::max();
    }
  }

  absl::Status ReadBound(const KernelContext& ctx, int i, const char* name, C* bound) const {
    const Tensor* t = ctx.input(i);
    if (t == nullptr) return absl::OkStatus();
    if (t->dtype() != DataTypeOf<T>::value || t->num_elements() != 1) {
      return LabeledError(label_, std::string(name) + " must be one element of the input's type");
    }
    *bound = Load(t->data<T>()[0]);
    return absl::OkStatus();
  }

  std::string label_;
  std::optional<C> lo_;
  std::optional<C> hi_;
  bool bounds_as_inputs_;
};

absl::StatusOr<std::unique_ptr<Kernel>> MakeClip(KernelInfo& info) {
  if (info.num_outputs() < 1) return info.Error("the node has no output");
  const bool bounds_as_inputs = info.opset() >= 11;
  float lo = 0;
  float hi = 0;
  if (!bounds_as_inputs) {
    ASSIGN_OR_RETURN(lo, info.FloatOr("min", -std::numeric_limits<float>::max()));
    ASSIGN_OR_RETURN(hi, info.FloatOr("max", std::numeric_limits<float>::max()));
  }
  for (int i = 1; i < info.num_inputs() && bounds_as_inputs; ++i) {
    if (info.has_input(i) && info.input_type(i) != info.input_type(0)) {
      return info.Error("min and max must have the input's type");
    }
  }
  std::unique_ptr<Kernel> kernel;
  DispatchType(NumericTypes{}, info.input_type(0), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    std::optional<C> attr_lo;
    std::optional<C> attr_hi;
    if (!bounds_as_inputs) {
      attr_lo = SaturateTo<C>(lo);
      attr_hi = SaturateTo<C>(hi);
    }
    kernel = std::make_unique<ClipKernel<T>>(NodeLabel(info), attr_lo, attr_hi, bounds_as_inputs);
  });
  if (kernel == nullptr) {
    return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
  }
  return kernel;
}

}  // namespace

absl::Status RegisterClip(KernelRegistry& r) {
  KernelDef def;
  def.op_type = "Clip";
  def.since_version = 1;
  def.types = DataTypesOf(NumericTypes{});
  def.factory = MakeClip;
  return r.Register(std::move(def));
}

}  // namespace berth::engine
