// Helpers shared by the sequence kernels: error messages naming the operator, load-time
// checks, reading and normalizing positions, and copying rows between tensors.
#ifndef BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_UTIL_H_
#define BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine::sequence_kernels {

// InvalidArgument "<op>: <message pieces>".
template <typename... Args>
absl::Status OpError(absl::string_view op, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(op, ": ", args...));
}

// Registers `op_type` (default domain, opsets 11-21, any element type) with the inputs and
// outputs that are sequences.
absl::Status RegisterSequenceOp(KernelRegistry& registry, const std::string& op_type,
                                KernelFactory factory, std::vector<int> sequence_inputs,
                                std::vector<int> sequence_outputs);

// Load-time check that the node has between `min_inputs` and `max_inputs` inputs and exactly
// one output.
absl::Status CheckArity(const KernelInfo& info, int min_inputs, int max_inputs);

// Load-time check that input i, when given and its type known, is int32 or int64.
absl::Status CheckIndexInput(const KernelInfo& info, int i, absl::string_view what);

// Load-time check that inputs a and b, when their types are known, have the same type.
absl::Status CheckSameType(const KernelInfo& info, int a, int b);

// Input i, or InvalidArgument naming `op` and `what` when it is missing.
absl::StatusOr<const Tensor*> RequiredInput(absl::string_view op, const KernelContext& ctx,
                                            int i, absl::string_view what);

// The value of a position input: a scalar int32 or int64 tensor.
absl::StatusOr<int64_t> ReadPosition(absl::string_view op, const Tensor& position);

// `position` in [-size, size - 1] (or [-size, size] with `allow_end`, for insertion) mapped
// to [0, size - 1] (or [0, size]); InvalidArgument naming `op`, the position and the
// sequence length otherwise.
absl::StatusOr<int64_t> NormalizePosition(absl::string_view op, int64_t position, int64_t size,
                                          bool allow_end);

// Copies `rows` rows of `row_length` elements from `src` into `dst` (same element type,
// strings included): row r starts at element src_offset + r * src_stride of src and at
// dst_offset + r * dst_stride of dst.
void CopyRows(const Tensor& src, int64_t src_offset, int64_t src_stride, Tensor& dst,
              int64_t dst_offset, int64_t dst_stride, int64_t rows, int64_t row_length);

}  // namespace berth::engine::sequence_kernels

#endif  // BERTH_ENGINE_KERNELS_SEQUENCE_SEQUENCE_UTIL_H_
