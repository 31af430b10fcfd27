// Small helpers shared by the tensor kernels: type lists, axis handling, reading integer inputs,
// and error messages that name the operator.
#ifndef BERTH_ENGINE_KERNELS_TENSOR_OP_UTIL_H_
#define BERTH_ENGINE_KERNELS_TENSOR_OP_UTIL_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine::tensor_kernels {

// Every numeric type and bool (no strings).
const std::vector<DataType>& NumericAndBoolTypes();
// NumericAndBoolTypes() plus kString: for ops that only move elements.
const std::vector<DataType>& AllTensorTypes();

// InvalidArgument "<op>: <message pieces>".
template <typename... Args>
absl::Status OpError(absl::string_view op, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(op, ": ", args...));
}

// `axis` in [-rank, rank) mapped to [0, rank); InvalidArgument naming `op` otherwise.
absl::StatusOr<int> NormalizeAxis(absl::string_view op, int64_t axis, int rank);

// Normalizes each of `axes` against `rank` and fails when one repeats.
absl::Status NormalizeAxes(absl::string_view op, int rank, Shape* axes);

// Input i, or InvalidArgument naming `op` and `what` when it is missing.
absl::StatusOr<const Tensor*> RequiredInput(absl::string_view op, const KernelContext& ctx, int i,
                                            absl::string_view what);

// Reads a scalar or 1-D tensor of any integer type (or, with `allow_float`, a floating-point
// type, truncated) into `values`. Fails naming `op` and `what` for other types or ranks.
absl::Status ReadIntegers(absl::string_view op, const Tensor& t, absl::string_view what,
                          Shape* values, bool allow_float = false);

// Checks at load time that input i, when given and its type known, has one of `types`.
absl::Status CheckInputType(const KernelInfo& info, int i, absl::string_view what,
                            const std::vector<DataType>& types);

// Sets the load-time type of output i; fails when the node has no output i.
absl::Status SetOutputType(KernelInfo& info, int i, DataType type);

// Registers `op_type` (default domain) for opsets since..21, selected by input
// `type_input`'s type being one of `types` (empty = any).
absl::Status RegisterOp(KernelRegistry& registry, const std::string& op_type, int since,
                        const std::vector<DataType>& types, KernelFactory factory,
                        int type_input = 0);

// ctx.Output(i, shape), failing with Internal when the output's load-time type is not `type`
// (which would make a type-generic copy overrun it).
absl::StatusOr<Tensor*> OutputOfType(KernelContext& ctx, int i, absl::Span<const int64_t> shape,
                                     DataType type);

// Gives output 0 `shape` (same element count as `input`) and copies input's elements into
// it unchanged: one memcpy. For the ops that only relabel the shape.
absl::Status CopyToOutputWithShape(KernelContext& ctx, const Tensor& input,
                                   absl::Span<const int64_t> shape);

}  // namespace berth::engine::tensor_kernels

#endif  // BERTH_ENGINE_KERNELS_TENSOR_OP_UTIL_H_
