// The traversal shared by the Reduce* and Arg* kernels: which output element each input
// element contributes to, for any set of reduced axes.
#ifndef BERTH_ENGINE_KERNELS_MATH_REDUCE_UTIL_H_
#define BERTH_ENGINE_KERNELS_MATH_REDUCE_UTIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {

// A reduction of `in_shape` over some axes, with adjacent axes of the same kind (kept or
// reduced) merged and size-1 axes dropped so that loops run over as few, long dims as possible.
struct ReducePlan {
  Shape out_shape;           // with or without the reduced dims, as keepdims asks
  int64_t out_count = 1;     // elements of the output
  int64_t reduce_count = 1;  // input elements per output element
  Shape dims;                // merged dims, outermost first (never empty)
  Shape in_strides;          // input stride of each merged dim
  Shape out_strides;         // output stride of each merged dim; 0 for reduced dims
};

// Normalizes and checks `axes` (range, duplicates) for rank `rank`; returns a mask of the
// reduced axes. An empty `axes` selects every axis.
absl::StatusOr<std::vector<bool>> ReducedAxesMask(absl::string_view label,
                                                  absl::Span<const int64_t> axes, int rank);

ReducePlan MakeReducePlan(absl::Span<const int64_t> in_shape, const std::vector<bool>& reduced,
                          bool keepdims);

// Calls run(in_offset, out_offset, len, in_step, out_step) for runs of the innermost merged
// dim covering the whole input in row-major order: input elements in_offset + j * in_step
// (j < len) go to output element out_offset + j * out_step (out_step 0: one output). The
// outermost dim is split over OpenMP threads when it is kept and the input is large; runs
// passed to different threads then never share output elements.
template <typename Run>
void ForEachReduceRun(const ReducePlan& plan, Run&& run) {
  const int n = static_cast<int>(plan.dims.size());
  const int64_t len = plan.dims[n - 1];
  const int64_t in_step = plan.in_strides[n - 1];
  const int64_t out_step = plan.out_strides[n - 1];
  if (n == 1) {
    run(int64_t{0}, int64_t{0}, len, in_step, out_step);
    return;
  }
  const int64_t outer = plan.dims[0];
  int64_t middle = 1;
  for (int d = 1; d < n - 1; ++d) middle *= plan.dims[d];
  const bool parallel =
      plan.out_strides[0] != 0 && outer > 1 && outer * middle * len > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i0 = 0; i0 < outer; ++i0) {
    for (int64_t m = 0; m < middle; ++m) {
      int64_t in_off = i0 * plan.in_strides[0], out_off = i0 * plan.out_strides[0], rem = m;
      for (int d = n - 2; d >= 1; --d) {
        const int64_t i = rem % plan.dims[d];
        rem /= plan.dims[d];
        in_off += i * plan.in_strides[d];
        out_off += i * plan.out_strides[d];
      }
      run(in_off, out_off, len, in_step, out_step);
    }
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_REDUCE_UTIL_H_
