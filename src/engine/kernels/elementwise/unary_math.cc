// Unary math ops: Abs, Neg, Reciprocal, Floor, Ceil, Round, Sqrt, Exp, Log, the trigonometric
// and hyperbolic functions, Erf, Sign; and the predicates and bit ops Not, IsNaN, IsInf,
// BitwiseNot.
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/unary_kernel.h"
#include "engine/kernels/elementwise/vector_math.h"

namespace berth::engine {
namespace {

struct AbsFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x;
    } else if constexpr (std::is_integral_v<C>) {
      return x < 0 ? WrapNeg(x) : x;
    } else {
      return std::fabs(x);
    }
  }
};

struct NegFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return WrapNeg(x);
  }
};

struct ReciprocalFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return C(1) / x;
  }
};

struct FloorFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return std::floor(x);
  }
};

struct CeilFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return std::ceil(x);
  }
};

// Halves round to even, as numpy.round does (the default rounding mode).
struct RoundFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return std::nearbyint(x);
  }
};

struct SqrtFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return std::sqrt(x);
  }
};

struct ExpFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Exp(x);
    } else {
      return std::exp(x);
    }
  }
};

struct LogFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Log(x);
    } else {
      return std::log(x);
    }
  }
};

// The libm functions without a vectorized form here: rarely hot in models.
#define BERTH_LIBM_FN_(Name, fn)      \
  struct Name {                       \
    template <typename C>             \
    BERTH_ELEMENT_INLINE C operator()(C x) const {         \
      return std::fn(x);              \
    }                                 \
  }
BERTH_LIBM_FN_(SinFn, sin);
BERTH_LIBM_FN_(CosFn, cos);
BERTH_LIBM_FN_(TanFn, tan);
BERTH_LIBM_FN_(AsinFn, asin);
BERTH_LIBM_FN_(AcosFn, acos);
BERTH_LIBM_FN_(AtanFn, atan);
BERTH_LIBM_FN_(SinhFn, sinh);
BERTH_LIBM_FN_(CoshFn, cosh);
BERTH_LIBM_FN_(AsinhFn, asinh);
BERTH_LIBM_FN_(AcoshFn, acosh);
BERTH_LIBM_FN_(AtanhFn, atanh);
#undef BERTH_LIBM_FN_

// Erf-9 also takes integers: computed in double and converted back, as the reference does.
struct ErfFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Erf(x);
    } else if constexpr (std::is_integral_v<C>) {
      return ConvertValue<C>(std::erf(static_cast<double>(x)));
    } else {
      return std::erf(x);
    }
  }
};

// NaN stays NaN and zero stays zero.
struct SignFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x > 0 ? C(1) : C(0);
    } else {
      return x > 0 ? C(1) : (x < 0 ? C(-1) : x);
    }
  }
};

struct NotFn {
  BERTH_ELEMENT_INLINE bool operator()(bool x) const { return !x; }
};

struct IsNaNFn {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C x) const {
    return x != x;
  }
};

struct IsInfFn {
  bool detect_negative = true;
  bool detect_positive = true;
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C x) const {
    constexpr C kInf = std::numeric_limits<C>::infinity();
    return (detect_positive & (x == kInf)) | (detect_negative & (x == -kInf));
  }
};

absl::StatusOr<IsInfFn> MakeIsInf(const KernelInfo& info) {
  IsInfFn fn;
  ASSIGN_OR_RETURN(int64_t negative, info.IntOr("detect_negative", 1));
  ASSIGN_OR_RETURN(int64_t positive, info.IntOr("detect_positive", 1));
  fn.detect_negative = negative != 0;
  fn.detect_positive = positive != 0;
  return fn;
}

struct BitwiseNotFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return static_cast<C>(~x);
  }
};

using FloatOnly = FloatTypes;
using SignedAndFloat = decltype(FloatTypes{} + SignedIntTypes{});

}  // namespace

absl::Status RegisterUnaryMath(KernelRegistry& r) {
  RETURN_IF_ERROR(RegisterUnaryOp<AbsFn>(r, "Abs", 1, NumericTypes{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<NegFn>(r, "Neg", 1, SignedAndFloat{}, kParallelCheap));
  RETURN_IF_ERROR(
      RegisterUnaryOp<ReciprocalFn>(r, "Reciprocal", 1, FloatOnly{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<FloorFn>(r, "Floor", 1, FloatOnly{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<CeilFn>(r, "Ceil", 1, FloatOnly{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<RoundFn>(r, "Round", 11, FloatOnly{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<SqrtFn>(r, "Sqrt", 1, FloatOnly{}, kParallelCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<ExpFn>(r, "Exp", 1, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<LogFn>(r, "Log", 1, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<SinFn>(r, "Sin", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<CosFn>(r, "Cos", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<TanFn>(r, "Tan", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AsinFn>(r, "Asin", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AcosFn>(r, "Acos", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AtanFn>(r, "Atan", 7, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<SinhFn>(r, "Sinh", 9, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<CoshFn>(r, "Cosh", 9, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AsinhFn>(r, "Asinh", 9, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AcoshFn>(r, "Acosh", 9, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<AtanhFn>(r, "Atanh", 9, FloatOnly{}, kParallelCostly));
  RETURN_IF_ERROR(
      RegisterUnaryOp<ErfFn>(r, "Erf", 9, FloatTypes{} + IntTypes{}, kParallelCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<SignFn>(r, "Sign", 9, NumericTypes{}, kParallelCheap));
  return absl::OkStatus();
}

absl::Status RegisterUnaryLogic(KernelRegistry& r) {
  RETURN_IF_ERROR(RegisterUnaryOp<NotFn>(r, "Not", 1, TypeList<bool>{}, kParallelCheap));
  RETURN_IF_ERROR((RegisterUnaryOp<IsNaNFn, true>(r, "IsNaN", 9, FloatTypes{}, kParallelCheap)));
  RETURN_IF_ERROR((RegisterUnaryOp<IsInfFn, true>(r, "IsInf", 10, FloatTypes{}, kParallelCheap,
                                                   MakeIsInf)));
  RETURN_IF_ERROR(
      RegisterUnaryOp<BitwiseNotFn>(r, "BitwiseNot", 18, IntTypes{}, kParallelCheap));
  return absl::OkStatus();
}

}  // namespace berth::engine
