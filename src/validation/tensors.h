// Tensor helpers the checks share: numeric elements as doubles and back, and row views.
#ifndef BERTH_VALIDATION_TENSORS_H_
#define BERTH_VALIDATION_TENSORS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"

namespace berth::validation {

// True for float, double, float16 and bfloat16.
bool IsFloatingType(engine::DataType dtype);
// True for the types ToDoubles reads (numbers and bool; not strings).
bool IsNumericType(engine::DataType dtype);

// The elements of `t` as doubles. InvalidArgument naming `what` for a non-numeric tensor.
absl::StatusOr<std::vector<double>> ToDoubles(const engine::Tensor& t, absl::string_view what);

// A tensor of `dtype` and `shape` holding `values` (one per element). Integer types take
// values rounded toward zero and clamped to their range (NaN becomes 0); bool takes v != 0.
// InvalidArgument naming `what` for a non-numeric type or a count that does not fit `shape`.
absl::StatusOr<engine::Tensor> FromDoubles(engine::DataType dtype, const engine::Shape& shape,
                                           const std::vector<double>& values,
                                           absl::string_view what);

// `t` converted to `dtype` (a move when it already is). InvalidArgument naming `what`.
absl::StatusOr<engine::Tensor> ConvertTensor(engine::Tensor t, engine::DataType dtype,
                                             absl::string_view what);

// Rows [begin, begin + count) of `t` (rank >= 1, within its first dimension), as a view into
// its storage: valid while `t` lives.
engine::Tensor RowsView(const engine::Tensor& t, int64_t begin, int64_t count);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_TENSORS_H_
