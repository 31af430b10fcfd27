// Branch-free float32 versions of the transcendental functions behind the common activations.
// libm's expf/tanhf/erff are scalar calls that stop a loop from vectorizing; these are written
// with selects and bit operations only, so a loop over them compiles to SIMD code.
//
// Accuracy (checked against double-precision libm over dense ranges in vector_math_test.cc):
// relative error a few 1e-7 for exp, expm1, log, sigmoid, tanh, erf, softplus; up to a few 1e-6
// where a result comes from e^t with |t| large (erfc and Gelu tails), since t itself is rounded
// to float. Gelu goes through erfc so it stays relative-accurate in the negative tail. Results
// below float's normal range flush to zero.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_VECTOR_MATH_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_VECTOR_MATH_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace berth::engine::vecmath {

// Forced inline: a call per element would keep the caller's loop scalar.
#define BERTH_VECMATH_INLINE [[gnu::always_inline]] inline

inline constexpr float kInf = std::numeric_limits<float>::infinity();

// Round to nearest integer for |v| < 2^22 (adding 1.5 * 2^23 leaves no fraction bits).
BERTH_VECMATH_INLINE float RoundToInt(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

BERTH_VECMATH_INLINE float Exp(float x) {
  constexpr float kMaxArg = 88.72283f;   // log(FLT_MAX)
  constexpr float kMinArg = -87.33654f;  // log(FLT_MIN)
  // Written so that NaN clamps to a number: the float-to-int conversion below needs one.
  float xc = x > kMinArg ? x : kMinArg;
  xc = xc < kMaxArg ? xc : kMaxArg;
  float n = RoundToInt(xc * 1.44269504088896341f);
  // Cody-Waite: ln2 split so that n * hi is exact.
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n built as 2^(n-1) * 2 so that n = 128 (x near kMaxArg) stays representable.
  int32_t biased = static_cast<int32_t>(n) + 126;
  float scale = std::bit_cast<float>(biased << 23);
  float result = p * scale * 2.0f;
  result = x > kMaxArg ? kInf : result;
  result = x < kMinArg ? 0.0f : result;
  return x != x ? x : result;
}

// e^x - 1 without the cancellation of Exp(x) - 1 near zero.
BERTH_VECMATH_INLINE float Expm1(float x) {
  float p = 1.0f / 40320.0f;
  p = p * x + 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  float small = x + x * x * p;
  float large = Exp(x) - 1.0f;
  return std::fabs(x) < 0.5f ? small : large;
}

BERTH_VECMATH_INLINE float Log(float x) {
  constexpr float kMinNormal = std::numeric_limits<float>::min();
  // Subnormals are scaled by 2^23 into the normal range first.
  float xs = x * (x < kMinNormal ? 8388608.0f : 1.0f);
  float e_adjust = x < kMinNormal ? 23.0f : 0.0f;
  int32_t bits = std::bit_cast<int32_t>(xs);
  float e = static_cast<float>(((bits >> 23) & 0xff) - 127) - e_adjust;
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  bool high = m > 1.41421356f;
  m = high ? m * 0.5f : m;
  e = high ? e + 1.0f : e;
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172.
  float s = (m - 1.0f) / (m + 1.0f);
  float s2 = s * s;
  float p = 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  float log_m = 2.0f * s + 2.0f * s * s2 * p;
  float result = e * 0.693359375f + (log_m + e * -2.12194440e-4f);
  result = x == kInf ? kInf : result;
  result = x == 0.0f ? -kInf : result;
  result = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : result;
  return x != x ? x : result;
}

// log(1 + y) for y >= 0, exact to rounding near zero.
BERTH_VECMATH_INLINE float Log1pNonNegative(float y) {
  float u = 1.0f + y;
  float corrected = Log(u) * (y / (u - 1.0f));
  return u == 1.0f ? y : corrected;
}

BERTH_VECMATH_INLINE float Sigmoid(float x) { return 1.0f / (1.0f + Exp(-x)); }

BERTH_VECMATH_INLINE float Tanh(float x) {
  float ax = std::fabs(x);
  float x2 = x * x;
  // Taylor series for |x| < 0.4, where 1 - 2 / (e^2x + 1) would cancel.
  float p = 21844.0f / 6081075.0f;
  p = p * x2 - 1382.0f / 155925.0f;
  p = p * x2 + 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  float small = x + x * x2 * p;
  float e = Exp(2.0f * (ax < 9.1f ? ax : 9.1f));
  float large = std::copysign(1.0f - 2.0f / (e + 1.0f), x);
  large = x != x ? x : large;
  return ax < 0.4f ? small : large;
}

// erfc(z) for z >= 0 with relative error below 2e-7 everywhere (Numerical Recipes' erfcc,
// with the exponent's z*z kept exact through its rounding error).
BERTH_VECMATH_INLINE float ErfcNonNegative(float z) {
  z = z < 10.0f ? z : 10.0f;  // erfc(10) underflows float; also keeps z * z finite
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  float z2 = z * z;
  float z2_err = std::fma(z, z, -z2);
  return t * Exp(p - z2) * (1.0f - z2_err);
}

BERTH_VECMATH_INLINE float Erf(float x) {
  float ax = std::fabs(x);
  float x2 = x * x;
  // Taylor series of 2/sqrt(pi) * sum (-1)^k x^(2k+1) / (k! (2k+1)) for |x| < 0.5.
  float p = 1.2055332981789664e-4f;
  p = p * x2 - 8.548327023450852e-4f;
  p = p * x2 + 5.223977625442188e-3f;
  p = p * x2 - 2.6866170645131252e-2f;
  p = p * x2 + 1.1283791670955126e-1f;
  p = p * x2 - 3.7612638903183754e-1f;
  p = p * x2 + 1.1283791670955126f;
  float small = x * p;
  float large = std::copysign(1.0f - ErfcNonNegative(ax), x);
  large = x != x ? x : large;
  return ax < 0.5f ? small : large;
}

// x * Phi(x) = 0.5 x erfc(-x / sqrt 2), relative-accurate also where Phi(x) is tiny.
BERTH_VECMATH_INLINE float GeluErf(float x) {
  float z = x * 0.70710678118654752f;
  float e = ErfcNonNegative(std::fabs(z));
  float one_plus_erf = z >= 0.0f ? 2.0f - e : e;
  return x != x ? x : 0.5f * x * one_plus_erf;
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) written as x * sigmoid(2u).
BERTH_VECMATH_INLINE float GeluTanh(float x) {
  float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return x * Sigmoid(2.0f * u);
}

// log(1 + e^x), stable for large |x|.
BERTH_VECMATH_INLINE float Softplus(float x) {
  float pos = x > 0.0f ? x : 0.0f;
  return pos + Log1pNonNegative(Exp(-std::fabs(x)));
}

// x * tanh(softplus(x)) = x * n / (n + 2) with n = e^x (e^x + 2).
BERTH_VECMATH_INLINE float Mish(float x) {
  float e = Exp(x < 20.0f ? x : 20.0f);
  float n = e * (e + 2.0f);
  float result = x * n / (n + 2.0f);
  return x >= 20.0f ? x : result;
}

#undef BERTH_VECMATH_INLINE

}  // namespace berth::engine::vecmath

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_VECTOR_MATH_H_
