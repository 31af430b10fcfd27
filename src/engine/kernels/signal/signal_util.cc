#include "engine/kernels/signal/signal_util.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {

absl::StatusOr<int64_t> ReadIntScalar(const Tensor& t, const std::string& what) {
  if (t.num_elements() != 1 || t.rank() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a scalar, got shape ", ShapeToString(t.shape())));
  }
  if (t.dtype() == DataType::kInt32) return t.data<int32_t>()[0];
  if (t.dtype() == DataType::kInt64) return t.data<int64_t>()[0];
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be int32 or int64, not ", DataTypeName(t.dtype())));
}

absl::StatusOr<double> ReadFloatScalar(const Tensor& t, const std::string& what) {
  if (t.num_elements() != 1 || t.rank() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a scalar, got shape ", ShapeToString(t.shape())));
  }
  double value = 0;
  if (!VisitSignalFloatType(t.dtype(), [&](auto tag) {
        using T = decltype(tag);
        value = ToDouble(t.data<T>()[0]);
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a floating-point scalar, not ", DataTypeName(t.dtype())));
  }
  return value;
}

absl::StatusOr<DataType> ParseOutputDatatype(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t value, info.IntOr("output_datatype", 1));
  const DataType type = static_cast<DataType>(value);
  if (value < 0 || value > 64 || !IsKnownDataType(static_cast<int32_t>(value)) ||
      type == DataType::kString || type == DataType::kBool) {
    return info.Error(absl::StrCat("output_datatype ", value, " is not a numeric type"));
  }
  return type;
}

absl::Status WriteConverted(const double* values, Tensor& out) {
  const bool ok = VisitNumericType(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    for (int64_t i = 0; i < out.num_elements(); ++i) dst[i] = FromDouble<T>(values[i]);
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write output of type ", DataTypeName(out.dtype())));
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
