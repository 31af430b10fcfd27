// Small helpers shared by the signal kernels: scalar inputs and element conversions.
#ifndef BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_UTIL_H_
#define BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_UTIL_H_

#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

// The value of a one-element int32 or int64 tensor (a scalar or shape [1]). Fails with
// InvalidArgument naming `what` otherwise.
absl::StatusOr<int64_t> ReadIntScalar(const Tensor& t, const std::string& what);

// The value of a one-element floating-point tensor (float, double, float16, bfloat16).
absl::StatusOr<double> ReadFloatScalar(const Tensor& t, const std::string& what);

// The `output_datatype` attribute (default 1, float) of the window and mel operators: any
// numeric type (not bool, not string).
absl::StatusOr<DataType> ParseOutputDatatype(const KernelInfo& info);

// Writes values[0..out.num_elements()) to `out`, converted to its (numeric) element type.
absl::Status WriteConverted(const double* values, Tensor& out);

template <typename T>
double ToDouble(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Calls fn(T{}) for float, double, Float16 or BFloat16; false for any other type.
template <typename Fn>
bool VisitSignalFloatType(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kFloat: fn(float{}); return true;
    case DataType::kDouble: fn(double{}); return true;
    case DataType::kFloat16: fn(Float16{}); return true;
    case DataType::kBFloat16: fn(BFloat16{}); return true;
    default: return false;
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_UTIL_H_
