// Checks the tensors given to Model::Run against the model's declared inputs.
#ifndef BERTH_ENGINE_RUNTIME_INPUT_VALIDATION_H_
#define BERTH_ENGINE_RUNTIME_INPUT_VALIDATION_H_

#include <vector>

#include "absl/status/status.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"

namespace berth::engine {

// InvalidArgument naming the input, what was expected and what came, when: the count
// differs, an input is null, its type differs from a declared type, its rank or a fixed
// dimension differs, or one symbolic dimension takes two different values.
absl::Status ValidateInputs(const std::vector<ValueInfo>& declared,
                            const std::vector<const Tensor*>& inputs);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_RUNTIME_INPUT_VALIDATION_H_
