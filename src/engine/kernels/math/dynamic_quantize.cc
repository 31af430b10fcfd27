#include "engine/kernels/math/dynamic_quantize.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/math/quant_util.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define BERTH_DQ_AVX512 1
#endif

namespace berth::engine {
DynamicQuantParams DynamicQuantParamsFromRange(const DynamicQuantRange& range) {
  const float lo = range.lo, hi = range.hi;
  DynamicQuantParams p;
  p.scale = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  p.zero_point =
      static_cast<int32_t>(std::nearbyint(std::clamp(0.0f - lo / p.scale, 0.0f, 255.0f)));
  return p;
}

DynamicQuantParams ComputeDynamicQuantParams(const float* x, int64_t n) {
  return DynamicQuantParamsFromRange(ComputeDynamicQuantRange(x, n));
}

#ifdef BERTH_DQ_AVX512

DynamicQuantRange ComputeDynamicQuantRange(const float* x, int64_t n) {
  // _mm512_min_ps(v, acc) returns acc where v is NaN, which ignores NaNs like std::min does.
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    lo = _mm512_min_ps(v, lo);
    hi = _mm512_max_ps(v, hi);
  }
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);  // zeros elsewhere: the range has 0
    lo = _mm512_min_ps(v, lo);
    hi = _mm512_max_ps(v, hi);
  }
  return DynamicQuantRange{_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi)};
}

void QuantizeToUint8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* out) {
  const __m512 scale = _mm512_set1_ps(p.scale);
  const __m512 zp = _mm512_set1_ps(static_cast<float>(p.zero_point));
  const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
  auto quantize = [&](__m512 v) {
    v = _mm512_div_ps(v, scale);
    // NaN -> 0 (so it becomes the zero point), then round half to even, shift, clamp.
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(v, zp), zero), top);
    return _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(v));
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), quantize(_mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm_mask_storeu_epi8(out + i, m, quantize(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

#else

DynamicQuantRange ComputeDynamicQuantRange(const float* x, int64_t n) {
  DynamicQuantRange r;
  for (int64_t i = 0; i < n; ++i) {
    r.lo = std::min(r.lo, x[i]);
    r.hi = std::max(r.hi, x[i]);
  }
  return r;
}

void QuantizeToUint8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = SaturateRound<uint8_t>(x[i] / p.scale, p.zero_point);
}

#endif

namespace {
constexpr int64_t kBlock = 4096;
// Below this many elements one thread quantizes faster than a parallel region starts.
constexpr int64_t kParallelElements = 1 << 14;
}  // namespace

DynamicQuantParams DynamicQuantize(const float* x, int64_t n, uint8_t* out) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const bool parallel = n > kParallelElements;
  float lo = 0.0f, hi = 0.0f;  // the range always includes zero
#pragma omp parallel for schedule(static) reduction(min : lo) reduction(max : hi) if (parallel)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t start = b * kBlock;
    const DynamicQuantRange r = ComputeDynamicQuantRange(x + start, std::min(kBlock, n - start));
    lo = std::min(lo, r.lo);
    hi = std::max(hi, r.hi);
  }
  const DynamicQuantParams p = DynamicQuantParamsFromRange({lo, hi});
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t start = b * kBlock;
    QuantizeToUint8(x + start, std::min(kBlock, n - start), p, out + start);
  }
  return p;
}

}  // namespace berth::engine
