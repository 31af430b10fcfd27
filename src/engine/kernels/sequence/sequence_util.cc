#include "engine/kernels/sequence/sequence_util.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace berth::engine::sequence_kernels {

absl::Status RegisterSequenceOp(KernelRegistry& registry, const std::string& op_type,
                                KernelFactory factory, std::vector<int> sequence_inputs,
                                std::vector<int> sequence_outputs) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = op_type,
                                     .since_version = 11,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {},
                                     .factory = std::move(factory),
                                     .sequence_inputs = std::move(sequence_inputs),
                                     .sequence_outputs = std::move(sequence_outputs)});
}

absl::Status CheckArity(const KernelInfo& info, int min_inputs, int max_inputs) {
  int n = static_cast<int>(info.node().inputs.size());
  if (n < min_inputs || n > max_inputs) {
    std::string expected = min_inputs == max_inputs
                               ? absl::StrCat(min_inputs)
                               : absl::StrCat(min_inputs, " to ", max_inputs);
    return info.Error(absl::StrCat("takes ", expected, " inputs, got ", n));
  }
  if (info.num_outputs() != 1) {
    return info.Error(absl::StrCat("has one output, got ", info.num_outputs()));
  }
  return absl::OkStatus();
}

absl::Status CheckIndexInput(const KernelInfo& info, int i, absl::string_view what) {
  DataType type = info.input_type(i);
  if (type == DataType::kUndefined || type == DataType::kInt32 || type == DataType::kInt64) {
    return absl::OkStatus();
  }
  return info.Error(
      absl::StrCat("input '", what, "' must be int32 or int64, not ", DataTypeName(type)));
}

absl::Status CheckSameType(const KernelInfo& info, int a, int b) {
  DataType ta = info.input_type(a);
  DataType tb = info.input_type(b);
  if (ta == DataType::kUndefined || tb == DataType::kUndefined || ta == tb) {
    return absl::OkStatus();
  }
  return info.Error(absl::StrCat("input ", b, " has type ", DataTypeName(tb), " but input ", a,
                                 " has ", DataTypeName(ta)));
}

absl::StatusOr<const Tensor*> RequiredInput(absl::string_view op, const KernelContext& ctx,
                                            int i, absl::string_view what) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return OpError(op, "missing required input '", what, "'");
  return t;
}

absl::StatusOr<int64_t> ReadPosition(absl::string_view op, const Tensor& position) {
  if (position.rank() != 0) {
    return OpError(op, "position must be a scalar, not of shape ",
                   ShapeToString(position.shape()));
  }
  switch (position.dtype()) {
    case DataType::kInt32: return position.data<int32_t>()[0];
    case DataType::kInt64: return position.data<int64_t>()[0];
    default:
      return OpError(op, "position must be int32 or int64, not ",
                     DataTypeName(position.dtype()));
  }
}

absl::StatusOr<int64_t> NormalizePosition(absl::string_view op, int64_t position, int64_t size,
                                          bool allow_end) {
  int64_t last = allow_end ? size : size - 1;
  if (position < -size || position > last) {
    if (last < 0) {
      return OpError(op, "position ", position,
                     " is out of range for a sequence of length 0 (it is empty)");
    }
    return OpError(op, "position ", position, " is out of range for a sequence of length ", size,
                   " (accepted: ", -size, " to ", last, ")");
  }
  return position < 0 ? position + size : position;
}

void CopyRows(const Tensor& src, int64_t src_offset, int64_t src_stride, Tensor& dst,
              int64_t dst_offset, int64_t dst_stride, int64_t rows, int64_t row_length) {
  if (row_length <= 0) return;
  if (src.dtype() == DataType::kString) {
    const std::string* from = src.strings().data();
    std::string* to = dst.strings().data();
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(from + src_offset + r * src_stride, row_length,
                  to + dst_offset + r * dst_stride);
    }
    return;
  }
  const size_t elem = DataTypeSize(src.dtype());
  const char* from = static_cast<const char*>(src.raw_data());
  char* to = static_cast<char*>(dst.raw_data());
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(to + (dst_offset + r * dst_stride) * elem,
                from + (src_offset + r * src_stride) * elem, row_length * elem);
  }
}

}  // namespace berth::engine::sequence_kernels
