#include "compare.h"

#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/core/data_type.h"

namespace berth::conformance {
namespace {

using engine::DataType;
using engine::Tensor;

// "[1,0,2]": the multi-index of flat position `flat` in `shape` (row-major).
std::string IndexToString(const engine::Shape& shape, int64_t flat) {
  std::vector<int64_t> index(shape.size());
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 0) break;
    index[i] = flat % shape[i];
    flat /= shape[i];
  }
  return absl::StrCat("[", absl::StrJoin(index, ","), "]");
}

template <typename T>
double AsDouble(T v) {
  if constexpr (std::is_same_v<T, engine::Float16> || std::is_same_v<T, engine::BFloat16>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

template <typename T>
std::string ValueText(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return absl::StrCat(v);
  } else {
    return absl::StrFormat("%.9g", AsDouble(v));
  }
}

// Counts mismatches of a numeric tensor, reporting the first and the largest difference.
template <typename T>
absl::Status CompareValues(const Tensor& expected, const Tensor& actual, const Tolerance& tol) {
  const T* e = expected.data<T>();
  const T* a = actual.data<T>();
  const int64_t n = expected.num_elements();
  int64_t mismatches = 0;
  int64_t first = -1;
  double max_diff = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool equal;
    if constexpr (std::is_same_v<T, bool>) {
      equal = (e[i] != 0) == (a[i] != 0);
    } else if constexpr (std::is_integral_v<T>) {
      equal = e[i] == a[i];
    } else {
      equal = FloatsClose(AsDouble(e[i]), AsDouble(a[i]), tol);
    }
    if (equal) continue;
    if (first < 0) first = i;
    ++mismatches;
    if constexpr (!std::is_same_v<T, bool>) {
      double diff = std::fabs(AsDouble(a[i]) - AsDouble(e[i]));
      if (std::isnan(diff)) diff = INFINITY;
      if (diff > max_diff) max_diff = diff;
    }
  }
  if (mismatches == 0) return absl::OkStatus();
  std::string message =
      absl::StrCat(mismatches, " of ", n, " values differ; first at ",
                   IndexToString(expected.shape(), first), ": got ", ValueText(a[first]),
                   ", expected ", ValueText(e[first]));
  if constexpr (!std::is_same_v<T, bool>) {
    absl::StrAppend(&message, "; max |diff| ", absl::StrFormat("%.3g", max_diff));
  }
  return absl::FailedPreconditionError(message);
}

absl::Status CompareStrings(const Tensor& expected, const Tensor& actual) {
  const auto& e = expected.strings();
  const auto& a = actual.strings();
  if (e.size() != a.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("string storage holds ", a.size(), " values, expected ", e.size()));
  }
  int64_t mismatches = 0;
  int64_t first = -1;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == a[i]) continue;
    if (first < 0) first = static_cast<int64_t>(i);
    ++mismatches;
  }
  if (mismatches == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      mismatches, " of ", e.size(), " strings differ; first at ",
      IndexToString(expected.shape(), first), ": got \"", a[first], "\", expected \"", e[first],
      "\""));
}

}  // namespace

bool FloatsClose(double expected, double actual, const Tolerance& tolerance) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (expected == actual) return true;  // covers equal infinities
  // Otherwise an infinity matches nothing (inf - x is inf, within an infinite tolerance).
  if (std::isinf(expected) || std::isinf(actual)) return false;
  return std::fabs(actual - expected) <= tolerance.atol + tolerance.rtol * std::fabs(expected);
}

absl::Status CompareTensors(const Tensor& expected, const Tensor& actual,
                            const Tolerance& tolerance) {
  if (expected.dtype() != actual.dtype()) {
    return absl::FailedPreconditionError(absl::StrCat("type ", engine::DataTypeName(actual.dtype()),
                                                      ", expected ",
                                                      engine::DataTypeName(expected.dtype())));
  }
  if (expected.shape() != actual.shape()) {
    return absl::FailedPreconditionError(absl::StrCat("shape ",
                                                      engine::ShapeToString(actual.shape()),
                                                      ", expected ",
                                                      engine::ShapeToString(expected.shape())));
  }
  if (expected.dtype() == DataType::kString) return CompareStrings(expected, actual);
  if (expected.num_elements() > 0 &&
      (expected.raw_data() == nullptr || actual.raw_data() == nullptr)) {
    return absl::FailedPreconditionError("tensor has elements but no data");
  }
  absl::Status result = absl::InternalError(
      absl::StrCat("cannot compare tensors of type ", engine::DataTypeName(expected.dtype())));
  engine::VisitNumericType(expected.dtype(), [&](auto zero) {
    result = CompareValues<decltype(zero)>(expected, actual, tolerance);
  });
  return result;
}

}  // namespace berth::conformance
