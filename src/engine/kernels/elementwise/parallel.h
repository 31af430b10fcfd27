// Splitting elementwise work across the run's OpenMP threads.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_PARALLEL_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_PARALLEL_H_

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace berth::engine {

// Below these element counts a parallel region costs more than it saves: cheap operations
// (add, relu, copy) are memory bound, transcendental ones (exp, erf) are not.
inline constexpr int64_t kParallelCheap = 1 << 16;
inline constexpr int64_t kParallelCostly = 1 << 13;

// Runs fn(begin, end) over contiguous pieces covering [0, n): serially when n < min_parallel,
// there is one thread, or the caller is already inside a parallel region; otherwise one piece
// per OpenMP thread (the runtime sets the count per run). Piece boundaries are multiples of
// 64 elements so vector loops keep their alignment.
template <typename Fn>
void ParallelRanges(int64_t n, int64_t min_parallel, Fn&& fn) {
  if (n <= 0) return;
  int threads = omp_get_max_threads();
  if (n < min_parallel || threads <= 1 || omp_in_parallel()) {
    fn(int64_t{0}, n);
    return;
  }
  int64_t pieces = std::min<int64_t>(threads, (n + 63) / 64);
  int64_t chunk = ((n + pieces - 1) / pieces + 63) / 64 * 64;
#pragma omp parallel for num_threads(static_cast<int>(pieces)) schedule(static, 1)
  for (int64_t p = 0; p < pieces; ++p) {
    int64_t begin = p * chunk;
    int64_t end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_PARALLEL_H_
