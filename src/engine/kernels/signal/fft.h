// Complex discrete Fourier transforms of any length in O(n log n), in double precision:
// iterative radix-2 for powers of two, Bluestein's chirp-z algorithm (over a radix-2 transform)
// for every other length.
#ifndef BERTH_ENGINE_KERNELS_SIGNAL_FFT_H_
#define BERTH_ENGINE_KERNELS_SIGNAL_FFT_H_

#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace berth::engine {

using Complex = std::complex<double>;

// The precomputed tables for transforms of one length. Immutable after construction, so one
// plan may serve several threads at once.
class FftPlan {
 public:
  // n >= 1. Allocates O(n) tables (O(4n) for lengths that are not powers of two).
  explicit FftPlan(int64_t n);

  int64_t size() const { return n_; }
  // Complex values of caller-provided workspace Transform needs.
  int64_t work_size() const;

  // out[k] = sum_j in[j] * exp(s * 2*pi*i * j*k / n), with s = -1 (forward) or +1 (inverse);
  // no 1/n scaling. `in` and `out` hold n values and must not overlap; `work` holds
  // work_size() values.
  void Transform(const Complex* in, Complex* out, bool inverse, Complex* work) const;

 private:
  void Radix2(const Complex* in, Complex* out, bool inverse) const;
  void Bluestein(const Complex* in, Complex* out, bool inverse, Complex* work) const;

  int64_t n_;
  bool power_of_two_;
  // Radix-2: bit-reversal permutation and exp(-2*pi*i*k/n) for k < n/2.
  std::vector<int64_t> bit_reverse_;
  std::vector<Complex> twiddles_;
  // Bluestein: chirp exp(-pi*i*k^2/n) for k < n, the padded length's plan, and the transform
  // of the conjugate chirp filter.
  std::vector<Complex> chirp_;
  std::unique_ptr<FftPlan> inner_;
  std::vector<Complex> filter_;
};

// Per-thread buffers for transforms with one plan, carved from a single scratch block: an input
// line, an output line and the plan's workspace for each thread.
class FftScratch {
 public:
  FftScratch(const FftPlan& plan, int threads)
      : stride_(2 * plan.size() + plan.work_size()), n_(plan.size()), threads_(threads) {}
  size_t bytes() const { return sizeof(Complex) * static_cast<size_t>(stride_) * threads_; }
  void Bind(void* buffer) { base_ = static_cast<Complex*>(buffer); }
  Complex* in(int thread) const { return base_ + thread * stride_; }
  Complex* out(int thread) const { return base_ + thread * stride_ + n_; }
  Complex* work(int thread) const { return base_ + thread * stride_ + 2 * n_; }

 private:
  int64_t stride_;
  int64_t n_;
  int threads_;
  Complex* base_ = nullptr;
};

// The number of threads worth using for `lines` transforms of length n, at most `max_threads`.
int FftThreads(int64_t lines, int64_t n, int max_threads);

// Plans by length, built on first use. Thread-safe; keeps a handful of lengths so that a
// kernel whose length is fixed stops allocating after its first run.
class FftPlanCache {
 public:
  // The plan for length n (>= 1), or null when its tables cannot be allocated.
  std::shared_ptr<const FftPlan> Get(int64_t n) const;

 private:
  mutable std::mutex mu_;
  mutable std::map<int64_t, std::shared_ptr<const FftPlan>> plans_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_SIGNAL_FFT_H_
