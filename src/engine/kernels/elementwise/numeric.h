// Element-level arithmetic shared by the elementwise kernels: the type each element type is
// computed in, loads and stores through it, wrapping integer arithmetic, and the value
// conversions of ONNX Cast (also used wherever a kernel computes in another type).
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_NUMERIC_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_NUMERIC_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "engine/core/data_type.h"
#include "engine/kernels/elementwise/type_list.h"

// Marks the per-element functions of the kernels' functors and helpers: they must inline into
// the element loops, which otherwise stay scalar with a call per element.
#define BERTH_ELEMENT_INLINE [[gnu::always_inline]] inline

namespace berth::engine {

// float for the 16-bit float types (which have no arithmetic of their own), T otherwise.
template <typename T>
struct ComputeTypeOf {
  using type = T;
};
template <>
struct ComputeTypeOf<Float16> {
  using type = float;
};
template <>
struct ComputeTypeOf<BFloat16> {
  using type = float;
};
template <typename T>
using ComputeT = typename ComputeTypeOf<T>::type;

template <typename T>
inline ComputeT<T> Load(T v) {
  if constexpr (kIsHalf<T>) {
    return static_cast<float>(v);
  } else {
    return v;
  }
}
inline const std::string& Load(const std::string& v) { return v; }

template <typename T, typename C>
inline T Store(C v) {
  if constexpr (kIsHalf<T>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Integer arithmetic that wraps modulo 2^bits (as numpy and ONNX Runtime behave) instead of
// overflowing, which is undefined for signed types. Floating types use plain arithmetic.
template <typename T>
using WrapUnsigned =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
inline T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = WrapUnsigned<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
inline T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = WrapUnsigned<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T>
inline T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = WrapUnsigned<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <typename T>
inline T WrapNeg(T a) {
  return WrapSub(T(0), a);
}

// Floating point to integer as x86 (and so numpy) converts: truncation toward zero through
// int64, wrapping into narrower types; NaN and values outside int64 give INT64_MIN's bits.
// uint64 also takes [2^63, 2^64) exactly.
template <typename To>
inline To FloatToInt(double v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if constexpr (std::is_same_v<To, uint64_t>) {
    if (v >= kTwo63 && v < 2 * kTwo63) return static_cast<uint64_t>(v);
  }
  int64_t i = (v >= -kTwo63 && v < kTwo63) ? static_cast<int64_t>(v)
                                            : std::numeric_limits<int64_t>::min();
  return static_cast<To>(i);
}

// Rounds to float with round-to-odd, so that a second rounding (to float16 or bfloat16)
// gives the correctly rounded result of the original double.
inline float DoubleToFloatRoundToOdd(double d) {
  float f = static_cast<float>(d);
  if (static_cast<double>(f) == d || std::isnan(d) || std::isinf(f)) return f;
  uint32_t bits = std::bit_cast<uint32_t>(f);
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) --bits;  // back toward zero
  return std::bit_cast<float>(bits | 1u);
}

// One element of ONNX Cast between numeric types (bool included).
template <typename To, typename From>
inline To ConvertValue(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (kIsHalf<From>) {
      return static_cast<float>(v) != 0.0f;
    } else {
      return v != From(0);
    }
  } else if constexpr (kIsHalf<From>) {
    return ConvertValue<To>(static_cast<float>(v));
  } else if constexpr (kIsHalf<To>) {
    if constexpr (std::is_same_v<From, float>) {
      return To(v);
    } else if constexpr (std::is_same_v<From, bool>) {
      return To(v ? 1.0f : 0.0f);
    } else {
      return To(DoubleToFloatRoundToOdd(static_cast<double>(v)));
    }
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    return FloatToInt<To>(static_cast<double>(v));
  } else {
    return static_cast<To>(v);  // integer to integer wraps (defined since C++20)
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_NUMERIC_H_
