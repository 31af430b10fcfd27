// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
// ReduceLogSumExp and ReduceSumSquare.
//
// `axes` is an attribute before opset 13 (ReduceSum) or 18 (the others) and an optional
// int64 input from then on, together with `noop_with_empty_axes`. Reducing over an empty set
// of values yields the reduction's identity (0 for sums, 1 for products, -inf / the type's
// lowest value for max, +inf / highest for min, -inf for the log reductions).
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/reduce_util.h"

namespace berth::engine {
namespace {

enum class ReduceOp { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Accumulator: float for the 16-bit floats, 64-bit for integers, double where integers meet
// logarithms or square roots.
template <ReduceOp kOp, typename T>
using ReduceAcc = std::conditional_t<
    std::is_integral_v<T>,
    std::conditional_t<kOp == ReduceOp::kL2 || kOp == ReduceOp::kLogSum ||
                           kOp == ReduceOp::kLogSumExp,
                       double, std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>,
    ComputeT<T>>;

// The value of a reduction over nothing, held in accumulator type A for elements of type T
// (integer extremes come from T's range, not the wider accumulator's).
template <ReduceOp kOp, typename A, typename T>
A Identity() {
  if constexpr (kOp == ReduceOp::kProd) return A(1);
  if constexpr (kOp == ReduceOp::kMax || kOp == ReduceOp::kLogSumExp) {
    if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
    return static_cast<A>(std::numeric_limits<T>::lowest());
  }
  if constexpr (kOp == ReduceOp::kMin) {
    if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
    return static_cast<A>(std::numeric_limits<T>::max());
  }
  return A(0);
}

template <ReduceOp kOp, typename A>
inline void Accumulate(A& acc, A v) {
  if constexpr (kOp == ReduceOp::kMax) {
    if (v > acc || v != v) acc = v;  // NaN propagates
  } else if constexpr (kOp == ReduceOp::kMin) {
    if (v < acc || v != v) acc = v;
  } else if constexpr (kOp == ReduceOp::kProd) {
    acc *= v;
  } else if constexpr (kOp == ReduceOp::kL1) {
    acc += v < A(0) ? A(0) - v : v;
  } else if constexpr (kOp == ReduceOp::kL2 || kOp == ReduceOp::kSumSquare) {
    acc += v * v;
  } else {
    acc += v;
  }
}

template <ReduceOp kOp, typename T>
void ReduceTyped(const ReducePlan& plan, const T* x, T* y, void* scratch) {
  using A = ReduceAcc<kOp, T>;
  A* acc = static_cast<A*>(scratch);
  A* max = acc + plan.out_count;  // LogSumExp only
  constexpr ReduceOp kFirstPass = kOp == ReduceOp::kLogSumExp ? ReduceOp::kMax : kOp;
  for (int64_t i = 0; i < plan.out_count; ++i) acc[i] = Identity<kFirstPass, A, T>();
  ForEachReduceRun(
      plan, [&](int64_t in, int64_t out, int64_t len, int64_t in_step, int64_t out_step) {
        if (out_step == 0) {
          A a = acc[out];
          for (int64_t j = 0; j < len; ++j) {
            Accumulate<kFirstPass>(a, static_cast<A>(x[in + j * in_step]));
          }
          acc[out] = a;
        } else {
          for (int64_t j = 0; j < len; ++j) {
            Accumulate<kFirstPass>(acc[out + j * out_step], static_cast<A>(x[in + j * in_step]));
          }
        }
      });
  if constexpr (kOp == ReduceOp::kLogSumExp) {
    for (int64_t i = 0; i < plan.out_count; ++i) {
      max[i] = std::isinf(acc[i]) ? A(0) : acc[i];
      acc[i] = A(0);
    }
    ForEachReduceRun(plan,
                     [&](int64_t in, int64_t out, int64_t len, int64_t in_step, int64_t out_step) {
                       for (int64_t j = 0; j < len; ++j) {
                         const int64_t o = out + j * out_step;
                         acc[o] += std::exp(static_cast<A>(x[in + j * in_step]) - max[o]);
                       }
                     });
  }
  for (int64_t i = 0; i < plan.out_count; ++i) {
    A v = acc[i];
    if constexpr (kOp == ReduceOp::kMean) v = v / static_cast<A>(plan.reduce_count);
    if constexpr (kOp == ReduceOp::kL2) v = std::sqrt(v);
    if constexpr (kOp == ReduceOp::kLogSum) v = std::log(v);
    if constexpr (kOp == ReduceOp::kLogSumExp) v = std::log(v) + max[i];
    y[i] = static_cast<T>(v);
  }
}

// Runs the reduction for the element type; false when the op does not accept the type.
using ReduceFn = bool (*)(DataType, const ReducePlan&, const Tensor&, Tensor*, KernelContext&,
                          bool* no_memory);

template <ReduceOp kOp>
bool Dispatch(DataType type, const ReducePlan& plan, const Tensor& x, Tensor* y, KernelContext& ctx,
              bool* no_memory) {
  auto fn = [&](auto tag) {
    using T = decltype(tag);
    using A = ReduceAcc<kOp, T>;
    void* scratch = ctx.Scratch(std::max<int64_t>(plan.out_count, 1) * 2 * sizeof(A));
    if (scratch == nullptr) {
      *no_memory = true;
      return;
    }
    ReduceTyped<kOp, T>(plan, x.data<T>(), y->data<T>(), scratch);
  };
  if constexpr (kOp == ReduceOp::kMax || kOp == ReduceOp::kMin) {
    return VisitAllNumericTypes(type, fn);
  } else {
    return VisitWideNumericTypes(type, fn);
  }
}

class ReduceKernel : public Kernel {
 public:
  ReduceKernel(std::string label, ReduceFn run, bool keepdims, bool axes_from_input, bool noop,
               std::vector<int64_t> axes)
      : label_(std::move(label)),
        run_(run),
        keepdims_(keepdims),
        axes_from_input_(axes_from_input),
        noop_with_empty_axes_(noop),
        axes_(std::move(axes)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input data is required");
    std::vector<int64_t> axes = axes_;
    if (axes_from_input_ && ctx.num_inputs() > 1 && ctx.input(1) != nullptr) {
      ASSIGN_OR_RETURN(axes, ReadIntList(label_, "axes", *ctx.input(1)));
    }
    if (axes.empty() && noop_with_empty_axes_) {
      ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
      std::memcpy(y->raw_data(), x->raw_data(), x->byte_size());
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::vector<bool> mask, ReducedAxesMask(label_, axes, x->rank()));
    ReducePlan plan = MakeReducePlan(x->shape(), mask, keepdims_);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, plan.out_shape));
    bool no_memory = false;
    const bool ok = run_(x->dtype(), plan, *x, y, ctx, &no_memory);
    if (no_memory) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  ReduceFn run_;
  bool keepdims_;
  bool axes_from_input_;
  bool noop_with_empty_axes_;
  std::vector<int64_t> axes_;  // from the attribute, before axes became an input
};

ReduceFn ReduceFnFor(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return Dispatch<ReduceOp::kSum>;
    case ReduceOp::kMean: return Dispatch<ReduceOp::kMean>;
    case ReduceOp::kMax: return Dispatch<ReduceOp::kMax>;
    case ReduceOp::kMin: return Dispatch<ReduceOp::kMin>;
    case ReduceOp::kProd: return Dispatch<ReduceOp::kProd>;
    case ReduceOp::kL1: return Dispatch<ReduceOp::kL1>;
    case ReduceOp::kL2: return Dispatch<ReduceOp::kL2>;
    case ReduceOp::kLogSum: return Dispatch<ReduceOp::kLogSum>;
    case ReduceOp::kLogSumExp: return Dispatch<ReduceOp::kLogSumExp>;
    case ReduceOp::kSumSquare: return Dispatch<ReduceOp::kSumSquare>;
  }
  return nullptr;
}

KernelFactory ReduceFactory(ReduceOp op, int axes_input_since) {
  return [op, axes_input_since](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    const bool from_input = info.opset() >= axes_input_since;
    ASSIGN_OR_RETURN(int64_t keepdims, info.IntOr("keepdims", 1));
    int64_t noop = 0;
    std::vector<int64_t> axes;
    if (from_input) {
      ASSIGN_OR_RETURN(noop, info.IntOr("noop_with_empty_axes", 0));
    } else {
      ASSIGN_OR_RETURN(axes, info.IntsOr("axes", {}));
    }
    return std::unique_ptr<Kernel>(new ReduceKernel(NodeLabel(info.node()), ReduceFnFor(op),
                                                    keepdims != 0, from_input, noop != 0,
                                                    std::move(axes)));
  };
}

}  // namespace

absl::Status RegisterReduce(KernelRegistry& registry) {
  struct Spec {
    const char* name;
    ReduceOp op;
    int axes_input_since;
  };
  const Spec specs[] = {
      {"ReduceSum", ReduceOp::kSum, 13},
      {"ReduceMean", ReduceOp::kMean, 18},
      {"ReduceMax", ReduceOp::kMax, 18},
      {"ReduceMin", ReduceOp::kMin, 18},
      {"ReduceProd", ReduceOp::kProd, 18},
      {"ReduceL1", ReduceOp::kL1, 18},
      {"ReduceL2", ReduceOp::kL2, 18},
      {"ReduceLogSum", ReduceOp::kLogSum, 18},
      {"ReduceLogSumExp", ReduceOp::kLogSumExp, 18},
      {"ReduceSumSquare", ReduceOp::kSumSquare, 18},
  };
  for (const Spec& s : specs) {
    const bool minmax = s.op == ReduceOp::kMax || s.op == ReduceOp::kMin;
    RETURN_IF_ERROR(
        registry.Register({"", s.name, 1, 21, 0, minmax ? AllNumericTypes() : WideNumericTypes(),
                           ReduceFactory(s.op, s.axes_input_since)}));
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
