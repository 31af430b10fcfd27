#include "engine/kernels/math/math_util.h"

#include "absl/strings/str_cat.h"
#include "dnnl.hpp"

namespace berth::engine {

std::string NodeLabel(const Node& node) {
  return absl::StrCat(node.op_type, " node '", node.name, "'");
}

absl::Status NodeError(absl::string_view label, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(label, ": ", message));
}

absl::StatusOr<int> NormalizeAxis(absl::string_view label, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank || (rank == 0 && axis != 0)) {
    return NodeError(label, absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<std::vector<int64_t>> ReadIntList(absl::string_view label, absl::string_view what,
                                                 const Tensor& tensor) {
  std::vector<int64_t> values(tensor.num_elements());
  if (tensor.dtype() == DataType::kInt64) {
    for (int64_t i = 0; i < tensor.num_elements(); ++i) values[i] = tensor.data<int64_t>()[i];
  } else if (tensor.dtype() == DataType::kInt32) {
    for (int64_t i = 0; i < tensor.num_elements(); ++i) values[i] = tensor.data<int32_t>()[i];
  } else {
    return NodeError(
        label, absl::StrCat(what, " must be int32 or int64, not ", DataTypeName(tensor.dtype())));
  }
  return values;
}

int64_t DimProduct(absl::Span<const int64_t> shape, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= shape[i];
  return n;
}

void SetOutputType(KernelInfo& info, int i, DataType type) {
  if (i >= 0 && i < static_cast<int>(info.output_types().size())) info.output_types()[i] = type;
}

absl::Status DnnlErrorToStatus(absl::string_view label, absl::string_view what,
                               const dnnl::error& error) {
  return absl::InternalError(absl::StrCat(label, ": oneDNN failed to ", what, ": ", error.what()));
}

}  // namespace berth::engine
