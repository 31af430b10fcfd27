#include "engine/kernels/signal/fft.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <numbers>

namespace berth::engine {
namespace {

bool IsPowerOfTwo(int64_t n) { return (n & (n - 1)) == 0; }

int64_t NextPowerOfTwo(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n), power_of_two_(IsPowerOfTwo(n)) {
  if (power_of_two_) {
    int bits = 0;
    while ((int64_t{1} << bits) < n) ++bits;
    bit_reverse_.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = 0;
      for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
      bit_reverse_[i] = r;
    }
    twiddles_.resize(n / 2);
    for (int64_t k = 0; k < n / 2; ++k) {
      twiddles_[k] = std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k) / n);
    }
    return;
  }
  // k^2 is reduced modulo 2n before the angle is formed: the chirp has that period, and the
  // reduction keeps the angle exact for large k.
  chirp_.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t k2 = (k * k) % (2 * n);
    chirp_[k] = std::polar(1.0, -std::numbers::pi * static_cast<double>(k2) / n);
  }
  const int64_t m = NextPowerOfTwo(2 * n - 1);
  inner_ = std::make_unique<FftPlan>(m);
  std::vector<Complex> filter(m, Complex(0, 0));
  filter[0] = std::conj(chirp_[0]);
  for (int64_t k = 1; k < n; ++k) {
    filter[k] = std::conj(chirp_[k]);
    filter[m - k] = std::conj(chirp_[k]);
  }
  filter_.resize(m);
  inner_->Radix2(filter.data(), filter_.data(), false);
}

int64_t FftPlan::work_size() const { return power_of_two_ ? 0 : 2 * inner_->size(); }

void FftPlan::Transform(const Complex* in, Complex* out, bool inverse, Complex* work) const {
  if (power_of_two_) {
    Radix2(in, out, inverse);
  } else {
    Bluestein(in, out, inverse, work);
  }
}

// The inverse is computed as conj(forward(conj(x))).
void FftPlan::Radix2(const Complex* in, Complex* out, bool inverse) const {
  for (int64_t i = 0; i < n_; ++i) {
    out[bit_reverse_[i]] = inverse ? std::conj(in[i]) : in[i];
  }
  for (int64_t len = 2; len <= n_; len <<= 1) {
    const int64_t half = len / 2;
    const int64_t stride = n_ / len;
    for (int64_t start = 0; start < n_; start += len) {
      Complex* lo = out + start;
      Complex* hi = lo + half;
      for (int64_t j = 0; j < half; ++j) {
        const Complex v = hi[j] * twiddles_[j * stride];
        hi[j] = lo[j] - v;
        lo[j] += v;
      }
    }
  }
  if (inverse) {
    for (int64_t i = 0; i < n_; ++i) out[i] = std::conj(out[i]);
  }
}

// X[k] = c[k] * sum_j (x[j] c[j]) conj(c[k - j]) with c[k] = exp(-pi*i*k^2/n): a convolution,
// done as a circular one of power-of-two length m >= 2n - 1.
void FftPlan::Bluestein(const Complex* in, Complex* out, bool inverse, Complex* work) const {
  const int64_t m = inner_->size();
  Complex* padded = work;
  Complex* spectrum = work + m;
  for (int64_t j = 0; j < n_; ++j) {
    padded[j] = (inverse ? std::conj(in[j]) : in[j]) * chirp_[j];
  }
  for (int64_t j = n_; j < m; ++j) padded[j] = Complex(0, 0);
  inner_->Radix2(padded, spectrum, false);
  for (int64_t j = 0; j < m; ++j) spectrum[j] *= filter_[j];
  inner_->Radix2(spectrum, padded, true);
  const double scale = 1.0 / static_cast<double>(m);
  for (int64_t k = 0; k < n_; ++k) {
    const Complex v = padded[k] * chirp_[k] * scale;
    out[k] = inverse ? std::conj(v) : v;
  }
}

int FftThreads(int64_t lines, int64_t n, int max_threads) {
  // Below ~64k butterflies in total the fork costs more than it saves.
  if (max_threads <= 1 || lines < 2 || lines * n < (int64_t{1} << 16)) return 1;
  return static_cast<int>(std::min<int64_t>(max_threads, lines));
}

std::shared_ptr<const FftPlan> FftPlanCache::Get(int64_t n) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = plans_.find(n);
  if (it != plans_.end()) return it->second;
  constexpr size_t kMaxPlans = 8;
  if (plans_.size() >= kMaxPlans) plans_.clear();
  std::shared_ptr<const FftPlan> plan;
  try {
    plan = std::make_shared<const FftPlan>(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  plans_.emplace(n, plan);
  return plan;
}

}  // namespace berth::engine
