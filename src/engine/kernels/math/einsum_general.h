// The general Einsum evaluation: diagonals of repeated labels, sums over labels used once,
// pairwise contractions as batched matmuls, and a final permutation into the output order.
// Intermediates live in vectors sized by the problem, so this path allocates per run; the
// Einsum kernel sends plain (batched) matrix products to its direct path instead.
#ifndef BERTH_ENGINE_KERNELS_MATH_EINSUM_GENERAL_H_
#define BERTH_ENGINE_KERNELS_MATH_EINSUM_GENERAL_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"
#include "engine/kernels/math/einsum_equation.h"

namespace berth::engine {

// Computes problem `p` over `inputs` (types T, shapes as resolved) into `y`, which already
// has the output shape. Instantiated for float, double, int32, int64, uint32 and uint64.
template <typename T>
absl::Status GeneralEinsum(absl::string_view label, const EinsumProblem& p,
                           const std::vector<const Tensor*>& inputs, Tensor* y);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_EINSUM_GENERAL_H_
