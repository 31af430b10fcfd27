// Broadcasting for the elementwise kernels: ONNX (numpy) multidirectional rules, the
// `broadcast`/`axis` attributes of opsets 1-6, and an iteration plan that turns a broadcast
// into runs of contiguous output elements so inner loops stay tight.
//
// A plan collapses the output's dimensions: size-1 dimensions vanish, and neighbours merge
// when every input either spans both or repeats across both. Same-shape inputs become one run;
// a bias [C] added to [N, C] becomes N runs of C; a [C, 1, 1] scale of [N, C, H, W] becomes runs
// of H*W in which the scale is one repeated element.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_BROADCAST_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_BROADCAST_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"

namespace berth::engine {

inline constexpr int kMaxBroadcastInputs = 3;

// The shape all of `shapes` broadcast to. Fails with InvalidArgument naming `op` and the shapes
// when two dimensions differ and neither is 1.
absl::Status BroadcastShapes(const std::string& op, absl::Span<const Shape* const> shapes,
                             Shape* out);

// Checks that `from` broadcasts to `to` without changing it (ONNX "unidirectional").
absl::Status CheckUnidirectional(const std::string& op, const Shape& to, const Shape& from);

// Opsets 1-6 with broadcast=1: `b` is matched against `a`'s dimensions starting at `axis`
// (negative counts from the end), or against its trailing dimensions when `axis` is absent.
// Returns b's shape padded with 1s to a's rank; the caller then checks it unidirectionally.
absl::StatusOr<Shape> LegacyBroadcastShape(const std::string& op, const Shape& a, const Shape& b,
                                           std::optional<int64_t> axis);

struct BroadcastPlan {
  Shape out_shape;
  int64_t num_elements = 0;
  int num_inputs = 0;
  // Collapsed output dimensions, innermost last; at least one.
  absl::InlinedVector<int64_t, 6> dims;
  // Per input, its element stride along each collapsed dimension (0 where it repeats).
  std::array<absl::InlinedVector<int64_t, 6>, kMaxBroadcastInputs> strides;
  // Per input: true when it advances along the innermost dimension, false when a run reads
  // one element of it repeatedly.
  std::array<bool, kMaxBroadcastInputs> inner_contiguous{};
};

// Builds the plan for up to kMaxBroadcastInputs input shapes. Fails as BroadcastShapes does.
absl::Status MakeBroadcastPlan(const std::string& op, absl::Span<const Shape* const> shapes,
                               BroadcastPlan* plan);

using RunOffsets = std::array<int64_t, kMaxBroadcastInputs>;

// Calls fn(out_offset, in_offsets, length) for each run of contiguous output elements within
// [begin, end), where in_offsets[i] is the element offset of input i at the run's start (each
// input then advances by 1 or 0 per element, as plan.inner_contiguous says).
template <typename Fn>
void ForEachRun(const BroadcastPlan& plan, int64_t begin, int64_t end, Fn&& fn) {
  const int rank = static_cast<int>(plan.dims.size());
  const int n_in = plan.num_inputs;
  const int64_t inner = plan.dims[rank - 1];
  absl::InlinedVector<int64_t, 6> index(rank, 0);
  RunOffsets base{};
  int64_t row = begin / inner;
  int64_t col = begin % inner;
  for (int d = rank - 2; d >= 0; --d) {
    index[d] = row % plan.dims[d];
    row /= plan.dims[d];
    for (int k = 0; k < n_in; ++k) base[k] += index[d] * plan.strides[k][d];
  }
  int64_t pos = begin;
  while (pos < end) {
    int64_t len = std::min(inner - col, end - pos);
    RunOffsets at = base;
    for (int k = 0; k < n_in; ++k) {
      if (plan.inner_contiguous[k]) at[k] += col;
    }
    fn(pos, at, len);
    pos += len;
    col = 0;
    for (int d = rank - 2; d >= 0; --d) {
      for (int k = 0; k < n_in; ++k) base[k] += plan.strides[k][d];
      if (++index[d] < plan.dims[d]) break;
      for (int k = 0; k < n_in; ++k) base[k] -= plan.dims[d] * plan.strides[k][d];
      index[d] = 0;
    }
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_BROADCAST_H_
