// Activation functions: Relu, LeakyRelu, Elu, Selu, Celu, Sigmoid, HardSigmoid, HardSwish,
// Softplus, Softsign, Tanh, ThresholdedRelu, Mish, Gelu, Shrink. float32 (and the 16-bit float
// types, computed in float) use the vectorizable functions of vector_math.h.
#include <cmath>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/unary_kernel.h"
#include "engine/kernels/elementwise/vector_math.h"

namespace berth::engine {
namespace {

template <typename C>
BERTH_ELEMENT_INLINE C Expm1(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return vecmath::Expm1(x);
  } else {
    return std::expm1(x);
  }
}

template <typename C>
BERTH_ELEMENT_INLINE C Sigmoid(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return vecmath::Sigmoid(x);
  } else {
    return C(1) / (C(1) + std::exp(-x));
  }
}

template <typename C>
BERTH_ELEMENT_INLINE C Clamp01(C v) {
  v = v < C(0) ? C(0) : v;
  return v > C(1) ? C(1) : v;
}

// Makes a functor whose float members are read from attributes (name, default) in order.
template <typename Fn, size_t N>
FnMaker<Fn> AttrMaker(std::array<std::pair<const char*, float>, N> attrs) {
  return [attrs](const KernelInfo& info) -> absl::StatusOr<Fn> {
    std::array<float, N> values;
    for (size_t i = 0; i < N; ++i) {
      ASSIGN_OR_RETURN(values[i], info.FloatOr(attrs[i].first, attrs[i].second));
    }
    return Fn::FromAttributes(values);
  };
}

struct ReluFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x < C(0) ? C(0) : x;
  }
};

struct LeakyReluFn {
  float alpha;
  static LeakyReluFn FromAttributes(std::array<float, 1> v) { return {v[0]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x < C(0) ? static_cast<C>(alpha) * x : x;
  }
};

struct EluFn {
  float alpha;
  static EluFn FromAttributes(std::array<float, 1> v) { return {v[0]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x > C(0) ? x : static_cast<C>(alpha) * Expm1(x);
  }
};

struct SeluFn {
  float alpha;
  float gamma;
  static SeluFn FromAttributes(std::array<float, 2> v) { return {v[0], v[1]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    C g = static_cast<C>(gamma);
    return x > C(0) ? g * x : g * static_cast<C>(alpha) * Expm1(x);
  }
};

struct CeluFn {
  float alpha;
  static CeluFn FromAttributes(std::array<float, 1> v) { return {v[0]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    C a = static_cast<C>(alpha);
    return x > C(0) ? x : a * Expm1(x / a);
  }
};

struct SigmoidFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return Sigmoid(x);
  }
};

struct HardSigmoidFn {
  float alpha;
  float beta;
  static HardSigmoidFn FromAttributes(std::array<float, 2> v) { return {v[0], v[1]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return Clamp01(static_cast<C>(alpha) * x + static_cast<C>(beta));
  }
};

struct HardSwishFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x * Clamp01(x / C(6) + C(0.5));
  }
};

struct SoftplusFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Softplus(x);
    } else {
      return (x > 0 ? x : C(0)) + std::log1p(std::exp(-std::fabs(x)));
    }
  }
};

struct SoftsignFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x / (C(1) + std::fabs(x));
  }
};

struct TanhFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Tanh(x);
    } else {
      return std::tanh(x);
    }
  }
};

struct ThresholdedReluFn {
  float alpha;
  static ThresholdedReluFn FromAttributes(std::array<float, 1> v) { return {v[0]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    return x > static_cast<C>(alpha) ? x : C(0);
  }
};

struct MishFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::Mish(x);
    } else {
      return x * std::tanh(std::log1p(std::exp(x)));
    }
  }
};

struct GeluErfFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::GeluErf(x);
    } else {
      return C(0.5) * x * std::erfc(-x * C(0.70710678118654752));
    }
  }
};

struct GeluTanhFn {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_same_v<C, float>) {
      return vecmath::GeluTanh(x);
    } else {
      C u = C(0.7978845608028654) * (x + C(0.044715) * x * x * x);
      return x * Sigmoid(C(2) * u);
    }
  }
};

// The two approximations are separate functors so that neither loop carries a branch.
absl::StatusOr<std::unique_ptr<Kernel>> MakeGelu(KernelInfo& info) {
  absl::StatusOr<std::string> approximate = info.StringOr("approximate", "none");
  if (!approximate.ok()) return approximate.status();
  if (*approximate == "none") {
    return MakeUnaryKernel(info, FloatTypes{}, GeluErfFn{}, kParallelCostly);
  }
  if (*approximate == "tanh") {
    return MakeUnaryKernel(info, FloatTypes{}, GeluTanhFn{}, kParallelCostly);
  }
  return info.Error("attribute 'approximate' must be \"none\" or \"tanh\", not \"" +
                    *approximate + "\"");
}

// Shrink also takes integers: computed in double and converted back, as the reference does.
struct ShrinkFn {
  float bias;
  float lambd;
  static ShrinkFn FromAttributes(std::array<float, 2> v) { return {v[0], v[1]}; }
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C x) const {
    if constexpr (std::is_integral_v<C>) {
      double v = static_cast<double>(x);
      double y = v < -lambd ? v + bias : (v > lambd ? v - bias : 0.0);
      return ConvertValue<C>(y);
    } else {
      C b = static_cast<C>(bias);
      C l = static_cast<C>(lambd);
      return x < -l ? x + b : (x > l ? x - b : C(0));
    }
  }
};

constexpr float kSeluAlpha = 1.67326319217681884765625f;
constexpr float kSeluGamma = 1.05070102214813232421875f;

template <typename Fn, typename... A>
FnMaker<Fn> Attrs(A... attrs) {
  return AttrMaker<Fn, sizeof...(A)>({attrs...});
}
using Attr = std::pair<const char*, float>;

}  // namespace

absl::Status RegisterActivations(KernelRegistry& r) {
  constexpr int64_t kCheap = kParallelCheap;
  constexpr int64_t kCostly = kParallelCostly;
  RETURN_IF_ERROR(
      RegisterUnaryOp<ReluFn>(r, "Relu", 1, FloatTypes{} + SignedIntTypes{}, kCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<LeakyReluFn>(r, "LeakyRelu", 1, FloatTypes{}, kCheap,
                                               Attrs<LeakyReluFn>(Attr{"alpha", 0.01f})));
  RETURN_IF_ERROR(RegisterUnaryOp<EluFn>(r, "Elu", 1, FloatTypes{}, kCostly,
                                         Attrs<EluFn>(Attr{"alpha", 1.0f})));
  RETURN_IF_ERROR(RegisterUnaryOp<SeluFn>(
      r, "Selu", 1, FloatTypes{}, kCostly,
      Attrs<SeluFn>(Attr{"alpha", kSeluAlpha}, Attr{"gamma", kSeluGamma})));
  RETURN_IF_ERROR(RegisterUnaryOp<CeluFn>(r, "Celu", 12, FloatTypes{}, kCostly,
                                          Attrs<CeluFn>(Attr{"alpha", 1.0f})));
  RETURN_IF_ERROR(RegisterUnaryOp<SigmoidFn>(r, "Sigmoid", 1, FloatTypes{}, kCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<HardSigmoidFn>(
      r, "HardSigmoid", 1, FloatTypes{}, kCheap,
      Attrs<HardSigmoidFn>(Attr{"alpha", 0.2f}, Attr{"beta", 0.5f})));
  RETURN_IF_ERROR(RegisterUnaryOp<HardSwishFn>(r, "HardSwish", 14, FloatTypes{}, kCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<SoftplusFn>(r, "Softplus", 1, FloatTypes{}, kCostly));
  RETURN_IF_ERROR(RegisterUnaryOp<SoftsignFn>(r, "Softsign", 1, FloatTypes{}, kCheap));
  RETURN_IF_ERROR(RegisterUnaryOp<TanhFn>(r, "Tanh", 1, FloatTypes{}, kCostly));
  RETURN_IF_ERROR(
      RegisterUnaryOp<ThresholdedReluFn>(r, "ThresholdedRelu", 10, FloatTypes{}, kCheap,
                                         Attrs<ThresholdedReluFn>(Attr{"alpha", 1.0f})));
  RETURN_IF_ERROR(RegisterUnaryOp<MishFn>(r, "Mish", 18, FloatTypes{}, kCostly));
  KernelDef gelu;
  gelu.op_type = "Gelu";
  gelu.since_version = 20;
  gelu.types = DataTypesOf(FloatTypes{});
  gelu.factory = MakeGelu;
  RETURN_IF_ERROR(r.Register(std::move(gelu)));
  RETURN_IF_ERROR(RegisterUnaryOp<ShrinkFn>(
      r, "Shrink", 9, NumericTypes{}, kCheap,
      Attrs<ShrinkFn>(Attr{"bias", 0.0f}, Attr{"lambd", 0.5f})));
  return absl::OkStatus();
}

}  // namespace berth::engine
