#include "engine/kernels/math/reduce_util.h"

#include "absl/strings/str_cat.h"

namespace berth::engine {

absl::StatusOr<std::vector<bool>> ReducedAxesMask(absl::string_view label,
                                                  absl::Span<const int64_t> axes, int rank) {
  std::vector<bool> mask(rank, axes.empty());
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      return NodeError(label, absl::StrCat("axis ", axis, " is out of range for rank ", rank));
    }
    const int a = static_cast<int>(axis < 0 ? axis + rank : axis);
    if (mask[a]) return NodeError(label, absl::StrCat("axis ", axis, " is given twice"));
    mask[a] = true;
  }
  return mask;
}

ReducePlan MakeReducePlan(absl::Span<const int64_t> in_shape, const std::vector<bool>& reduced,
                          bool keepdims) {
  ReducePlan plan;
  const int rank = static_cast<int>(in_shape.size());
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) {
      plan.out_shape.push_back(in_shape[i]);
      plan.out_count *= in_shape[i];
    } else {
      if (keepdims) plan.out_shape.push_back(1);
      plan.reduce_count *= in_shape[i];
    }
  }
  // Input and output strides per original axis, then merge.
  Shape in_strides(rank), out_strides(rank);
  int64_t in_s = 1, out_s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    in_strides[i] = in_s;
    in_s *= in_shape[i];
    out_strides[i] = reduced[i] ? 0 : out_s;
    if (!reduced[i]) out_s *= in_shape[i];
  }
  int last_kind = -1;  // 0 kept, 1 reduced
  for (int i = 0; i < rank; ++i) {
    if (in_shape[i] == 1) continue;
    const int kind = reduced[i] ? 1 : 0;
    if (kind == last_kind) {
      // Row-major: merging into the previous (outer) dim keeps the inner stride.
      plan.dims.back() *= in_shape[i];
      plan.in_strides.back() = in_strides[i];
      plan.out_strides.back() = out_strides[i];
    } else {
      plan.dims.push_back(in_shape[i]);
      plan.in_strides.push_back(in_strides[i]);
      plan.out_strides.push_back(out_strides[i]);
      last_kind = kind;
    }
  }
  if (plan.dims.empty()) {
    plan.dims.push_back(1);
    plan.in_strides.push_back(1);
    plan.out_strides.push_back(0);
  }
  return plan;
}

}  // namespace berth::engine
