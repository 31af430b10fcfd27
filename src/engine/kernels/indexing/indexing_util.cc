#include "engine/kernels/indexing/indexing_util.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth::engine::indexing {

NodeLabel::NodeLabel(const KernelInfo& info)
    : text_(absl::StrCat(info.node().op_type, " node '", info.node().name, "'")) {}

absl::Status NodeLabel::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(text_, ": ", message));
}

void CopyAllElements(const Tensor& src, Tensor& dst) {
  if (src.dtype() == DataType::kString) {
    std::copy(src.strings().begin(), src.strings().end(), dst.strings().begin());
    return;
  }
  if (src.byte_size() > 0) std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
}

absl::Status CheckIndexInput(const KernelInfo& info, int i) {
  if (IsIndexType(info.input_type(i))) return absl::OkStatus();
  return info.Error(
      absl::StrCat("indices must be int32 or int64, not ", DataTypeName(info.input_type(i))));
}

absl::StatusOr<int> NormalizeAxis(const NodeLabel& label, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return label.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<int64_t> NormalizeIndex(const NodeLabel& label, int64_t value, int64_t dim,
                                       int axis) {
  if (value < -dim || value >= dim) {
    return label.Error(absl::StrCat("index ", value, " is out of range [", -dim, ", ", dim - 1,
                                    "] for axis ", axis, " of size ", dim));
  }
  return value < 0 ? value + dim : value;
}

Shape StridesOf(absl::Span<const int64_t> shape) {
  Shape strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

int64_t DimProduct(absl::Span<const int64_t> shape, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= shape[i];
  return n;
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  double value = 0;
  VisitNumericType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    value = ToDouble(t.data<T>()[i]);
  });
  return value;
}

absl::StatusOr<double> ScalarValue(const NodeLabel& label, absl::string_view what,
                                   const Tensor& t) {
  if (t.num_elements() != 1) {
    return label.Error(absl::StrCat(what, " must hold exactly one element, not ",
                                    t.num_elements(), " (shape ", ShapeToString(t.shape()),
                                    ")"));
  }
  if (t.dtype() == DataType::kString || DataTypeSize(t.dtype()) == 0) {
    return label.Error(absl::StrCat(what, " must be numeric, not ", DataTypeName(t.dtype())));
  }
  return ElementAsDouble(t, 0);
}

}  // namespace berth::engine::indexing
