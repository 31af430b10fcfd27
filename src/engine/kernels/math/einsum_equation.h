// Parsing of Einsum equations ("bij,bjk->bik", "...ii->...i", "ij,jk") and their resolution
// against input ranks and shapes into integer labels per dimension.
#ifndef BERTH_ENGINE_KERNELS_MATH_EINSUM_EQUATION_H_
#define BERTH_ENGINE_KERNELS_MATH_EINSUM_EQUATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"

namespace berth::engine {

// Letters map to labels 0..51; the dims an ellipsis stands for get labels from
// kFirstEllipsisLabel on, aligned to the right across operands (numpy broadcasting).
inline constexpr int kNumLetterLabels = 52;
inline constexpr int kFirstEllipsisLabel = kNumLetterLabels;
inline constexpr int kEllipsisMarker = -1;  // where "..." stands in a parsed term

struct EinsumEquation {
  std::vector<std::vector<int>> inputs;  // letter labels, kEllipsisMarker for "..."
  std::vector<int> output;               // likewise
  bool explicit_output = false;          // "->" was given
};

// Parses `equation` (spaces ignored). Fails with InvalidArgument naming `label` on a bad
// character, a second ellipsis in a term, or an output letter absent from the inputs.
absl::StatusOr<EinsumEquation> ParseEinsumEquation(absl::string_view label,
                                                   absl::string_view equation);

// The equation applied to concrete shapes.
struct EinsumProblem {
  std::vector<std::vector<int>> input_labels;  // one label per input dim
  std::vector<int> output_labels;
  std::vector<int64_t> label_size;  // by label; the broadcast size for ellipsis labels
};

// Expands ellipses and checks that the input count and every labelled dim agree (ellipsis
// dims may broadcast from 1).
absl::StatusOr<EinsumProblem> ResolveEinsum(absl::string_view label, const EinsumEquation& eq,
                                            const std::vector<const Shape*>& shapes);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_EINSUM_EQUATION_H_
