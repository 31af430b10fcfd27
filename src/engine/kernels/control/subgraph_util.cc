#include "engine/kernels/control/subgraph_util.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {

absl::StatusOr<BoundSubgraph> BindSubgraph(const KernelInfo& info, const std::string& attr_name) {
  ASSIGN_OR_RETURN(const Graph* graph, info.RequiredGraph(attr_name));
  if (!info.subgraph_factory()) return info.Error("subgraphs cannot run in this context");
  BoundSubgraph bound;
  ASSIGN_OR_RETURN(bound.runner, info.subgraph_factory()(*graph));
  const std::vector<std::string>& implicit = info.implicit_inputs();
  int declared = static_cast<int>(info.node().inputs.size());
  for (const std::string& name : bound.runner->outer_scope_names()) {
    auto it = std::find(implicit.begin(), implicit.end(), name);
    if (it == implicit.end()) {
      return info.Error(absl::StrCat("subgraph '", attr_name, "' reads '", name,
                                     "', which the enclosing graph does not have"));
    }
    bound.outer_input_index.push_back(declared + static_cast<int>(it - implicit.begin()));
  }
  return bound;
}

std::vector<const Tensor*> OuterValues(const BoundSubgraph& sub, const KernelContext& ctx) {
  std::vector<const Tensor*> values;
  values.reserve(sub.outer_input_index.size());
  for (int index : sub.outer_input_index) values.push_back(ctx.input(index));
  return values;
}

absl::Status EmitOutput(KernelContext& ctx, int i, const Tensor& src) {
  ASSIGN_OR_RETURN(Tensor * out, ctx.OutputWithType(i, src.dtype(), src.shape()));
  if (src.dtype() == DataType::kString) {
    out->strings() = src.strings();
  } else if (src.byte_size() > 0) {
    std::memcpy(out->raw_data(), src.raw_data(), src.byte_size());
  }
  return absl::OkStatus();
}

namespace {

// Copies `count` blocks of `block` elements from src (stride src_stride elements) to dst
// (stride dst_stride elements), for any element type including strings.
void CopyBlocks(const Tensor& src, int64_t src_offset, int64_t src_stride, Tensor& dst,
                int64_t dst_offset, int64_t dst_stride, int64_t count, int64_t block) {
  if (src.dtype() == DataType::kString) {
    for (int64_t c = 0; c < count; ++c) {
      for (int64_t e = 0; e < block; ++e) {
        dst.strings()[dst_offset + c * dst_stride + e] =
            src.strings()[src_offset + c * src_stride + e];
      }
    }
    return;
  }
  size_t elem = DataTypeSize(src.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(dst.raw_data());
  for (int64_t c = 0; c < count; ++c) {
    std::memcpy(d + (dst_offset + c * dst_stride) * elem, s + (src_offset + c * src_stride) * elem,
                block * elem);
  }
}

}  // namespace

Tensor SliceAxis(const Tensor& t, int axis, int64_t index) {
  Shape shape = t.shape();
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  int64_t length = shape[axis];
  int64_t inner = 1;
  for (int d = axis + 1; d < t.rank(); ++d) inner *= shape[d];
  shape.erase(shape.begin() + axis);
  Tensor out(t.dtype(), shape);
  CopyBlocks(t, index * inner, length * inner, out, 0, inner, outer, inner);
  return out;
}

absl::Status StackInto(KernelContext& ctx, int i, const std::vector<Tensor>& parts, int axis,
                       DataType empty_type) {
  if (parts.empty()) return ctx.OutputWithType(i, empty_type, {0}).status();
  const Tensor& first = parts[0];
  for (const Tensor& p : parts) {
    if (p.dtype() != first.dtype() || p.shape() != first.shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "scan output ", i, " changes shape or type between iterations: ",
          ShapeToString(first.shape()), " then ", ShapeToString(p.shape())));
    }
  }
  if (axis < 0 || axis > first.rank()) {
    return absl::InvalidArgumentError(absl::StrCat("scan output axis ", axis, " out of range"));
  }
  Shape shape = first.shape();
  shape.insert(shape.begin() + axis, static_cast<int64_t>(parts.size()));
  ASSIGN_OR_RETURN(Tensor * out, ctx.OutputWithType(i, first.dtype(), shape));
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  int64_t inner = first.num_elements() / std::max<int64_t>(outer, 1);
  if (outer == 0) return absl::OkStatus();
  int64_t n = static_cast<int64_t>(parts.size());
  for (int64_t k = 0; k < n; ++k) {
    CopyBlocks(parts[k], 0, inner, *out, k * inner, n * inner, outer, inner);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ScalarBool(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::kBool || t.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be a single bool, got ",
                                                   DataTypeName(t.dtype()), " ",
                                                   ShapeToString(t.shape())));
  }
  return t.data<bool>()[0];
}

absl::StatusOr<int64_t> ScalarInt64(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::kInt64 || t.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be a single int64, got ",
                                                   DataTypeName(t.dtype()), " ",
                                                   ShapeToString(t.shape())));
  }
  return t.data<int64_t>()[0];
}

}  // namespace berth::engine
