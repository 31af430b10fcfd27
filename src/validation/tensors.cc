#include "validation/tensors.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Tensor;

template <typename T>
void AppendAll(const Tensor& t, std::vector<double>& out) {
  for (const T& v : t.span<T>()) out.push_back(static_cast<double>(v));
}

template <typename T>
T ClampToInt(double v) {
  if (std::isnan(v)) return T{0};
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (v <= lo) return std::numeric_limits<T>::lowest();
  // 2^63 as a double is above int64's max: compare with >= to stay defined.
  if (v >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

template <typename T>
void FillInts(const std::vector<double>& values, Tensor& t) {
  T* out = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = ClampToInt<T>(values[i]);
}

template <typename T>
void FillFloats(const std::vector<double>& values, Tensor& t) {
  T* out = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = T(static_cast<float>(values[i]));
}

}  // namespace

bool IsFloatingType(DataType dtype) {
  return dtype == DataType::kFloat || dtype == DataType::kDouble || dtype == DataType::kFloat16 ||
         dtype == DataType::kBFloat16;
}

bool IsNumericType(DataType dtype) {
  return dtype != DataType::kString && dtype != DataType::kUndefined;
}

absl::StatusOr<std::vector<double>> ToDoubles(const Tensor& t, absl::string_view what) {
  std::vector<double> out;
  out.reserve(t.num_elements());
  switch (t.dtype()) {
    case DataType::kFloat:
      AppendAll<float>(t, out);
      break;
    case DataType::kDouble:
      AppendAll<double>(t, out);
      break;
    case DataType::kFloat16:
      for (engine::Float16 v : t.span<engine::Float16>()) out.push_back(static_cast<float>(v));
      break;
    case DataType::kBFloat16:
      for (engine::BFloat16 v : t.span<engine::BFloat16>()) out.push_back(static_cast<float>(v));
      break;
    case DataType::kInt8:
      AppendAll<int8_t>(t, out);
      break;
    case DataType::kUint8:
    case DataType::kBool:
      AppendAll<uint8_t>(t, out);
      break;
    case DataType::kInt16:
      AppendAll<int16_t>(t, out);
      break;
    case DataType::kUint16:
      AppendAll<uint16_t>(t, out);
      break;
    case DataType::kInt32:
      AppendAll<int32_t>(t, out);
      break;
    case DataType::kUint32:
      AppendAll<uint32_t>(t, out);
      break;
    case DataType::kInt64:
      AppendAll<int64_t>(t, out);
      break;
    case DataType::kUint64:
      AppendAll<uint64_t>(t, out);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is ", engine::DataTypeName(t.dtype()), ", not a numeric tensor"));
  }
  return out;
}

absl::StatusOr<Tensor> FromDoubles(DataType dtype, const engine::Shape& shape,
                                   const std::vector<double>& values, absl::string_view what) {
  Tensor t(dtype, shape);
  if (t.num_elements() != static_cast<int64_t>(values.size())) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", values.size(),
                                                   " values do not fill a tensor of ",
                                                   t.num_elements(), " elements"));
  }
  switch (dtype) {
    case DataType::kFloat:
      FillFloats<float>(values, t);
      break;
    case DataType::kDouble: {
      double* out = t.data<double>();
      for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
      break;
    }
    case DataType::kFloat16:
      FillFloats<engine::Float16>(values, t);
      break;
    case DataType::kBFloat16:
      FillFloats<engine::BFloat16>(values, t);
      break;
    case DataType::kBool: {
      uint8_t* out = t.data<uint8_t>();
      for (size_t i = 0; i < values.size(); ++i) out[i] = values[i] != 0 ? 1 : 0;
      break;
    }
    case DataType::kInt8:
      FillInts<int8_t>(values, t);
      break;
    case DataType::kUint8:
      FillInts<uint8_t>(values, t);
      break;
    case DataType::kInt16:
      FillInts<int16_t>(values, t);
      break;
    case DataType::kUint16:
      FillInts<uint16_t>(values, t);
      break;
    case DataType::kInt32:
      FillInts<int32_t>(values, t);
      break;
    case DataType::kUint32:
      FillInts<uint32_t>(values, t);
      break;
    case DataType::kInt64:
      FillInts<int64_t>(values, t);
      break;
    case DataType::kUint64:
      FillInts<uint64_t>(values, t);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": cannot make a tensor of type ", engine::DataTypeName(dtype)));
  }
  return t;
}

absl::StatusOr<Tensor> ConvertTensor(Tensor t, DataType dtype, absl::string_view what) {
  if (t.dtype() == dtype) return t;
  auto values = ToDoubles(t, what);
  if (!values.ok()) return values.status();
  return FromDoubles(dtype, t.shape(), *values, what);
}

Tensor RowsView(const Tensor& t, int64_t begin, int64_t count) {
  engine::Shape shape = t.shape();
  const int64_t row_bytes = t.dim(0) == 0 ? 0 : static_cast<int64_t>(t.byte_size()) / t.dim(0);
  shape[0] = count;
  char* base = static_cast<char*>(const_cast<void*>(t.raw_data()));
  return Tensor::View(t.dtype(), shape, base + begin * row_bytes);
}

}  // namespace berth::validation
