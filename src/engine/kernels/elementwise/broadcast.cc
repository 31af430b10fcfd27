#include "engine/kernels/elementwise/broadcast.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace berth::engine {
namespace {

std::string ShapesText(absl::Span<const Shape* const> shapes) {
  std::string text;
  for (size_t i = 0; i < shapes.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : " and ", ShapeToString(*shapes[i]));
  }
  return text;
}

}  // namespace

absl::Status BroadcastShapes(const std::string& op, absl::Span<const Shape* const> shapes,
                             Shape* out) {
  size_t rank = 0;
  for (const Shape* s : shapes) rank = std::max(rank, s->size());
  out->assign(rank, 1);
  for (const Shape* s : shapes) {
    size_t offset = rank - s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t d = (*s)[i];
      int64_t& o = (*out)[offset + i];
      if (d == 1 || d == o) continue;
      if (o != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            op, ": input shapes ", ShapesText(shapes), " cannot be broadcast together"));
      }
      o = d;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUnidirectional(const std::string& op, const Shape& to, const Shape& from) {
  bool ok = from.size() <= to.size();
  for (size_t i = 0; ok && i < from.size(); ++i) {
    int64_t d = from[from.size() - 1 - i];
    ok = d == 1 || d == to[to.size() - 1 - i];
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": shape ", ShapeToString(from),
                                                   " cannot be broadcast to ",
                                                   ShapeToString(to)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Shape> LegacyBroadcastShape(const std::string& op, const Shape& a, const Shape& b,
                                           std::optional<int64_t> axis) {
  const int64_t rank_a = static_cast<int64_t>(a.size());
  const int64_t rank_b = static_cast<int64_t>(b.size());
  int64_t start = rank_a - rank_b;
  if (axis.has_value()) start = *axis < 0 ? *axis + rank_a : *axis;
  if (start < 0 || start + rank_b > rank_a) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": cannot place shape ", ShapeToString(b), " at axis ",
                     axis.value_or(rank_a - rank_b), " of shape ", ShapeToString(a)));
  }
  Shape padded(rank_a, 1);
  for (int64_t i = 0; i < rank_b; ++i) padded[start + i] = b[i];
  RETURN_IF_ERROR(CheckUnidirectional(op, a, padded));
  return padded;
}

absl::Status MakeBroadcastPlan(const std::string& op, absl::Span<const Shape* const> shapes,
                               BroadcastPlan* plan) {
  if (shapes.empty() || shapes.size() > kMaxBroadcastInputs) {
    return absl::InternalError(absl::StrCat(op, ": broadcast plan over ", shapes.size(),
                                            " inputs"));
  }
  RETURN_IF_ERROR(BroadcastShapes(op, shapes, &plan->out_shape));
  ASSIGN_OR_RETURN(plan->num_elements, CheckedNumElements(plan->out_shape));
  const int n_in = static_cast<int>(shapes.size());
  const size_t rank = plan->out_shape.size();
  plan->num_inputs = n_in;
  plan->dims.clear();
  // Bit k of a mask: input k spans the dimension (rather than repeating along it).
  absl::InlinedVector<unsigned, 6> masks;
  for (size_t d = 0; d < rank; ++d) {
    int64_t size = plan->out_shape[d];
    if (size == 1) continue;
    unsigned mask = 0;
    for (int k = 0; k < n_in; ++k) {
      const Shape& s = *shapes[k];
      size_t offset = rank - s.size();
      if (d >= offset && s[d - offset] == size) mask |= 1u << k;
    }
    if (!masks.empty() && masks.back() == mask) {
      plan->dims.back() *= size;
    } else {
      plan->dims.push_back(size);
      masks.push_back(mask);
    }
  }
  if (plan->dims.empty()) {
    plan->dims.push_back(1);
    masks.push_back(0);
  }
  for (int k = 0; k < n_in; ++k) {
    auto& strides = plan->strides[k];
    strides.assign(plan->dims.size(), 0);
    int64_t run = 1;
    for (int d = static_cast<int>(plan->dims.size()) - 1; d >= 0; --d) {
      if (masks[d] & (1u << k)) {
        strides[d] = run;
        run *= plan->dims[d];
      }
    }
    plan->inner_contiguous[k] = strides.back() != 0;
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
