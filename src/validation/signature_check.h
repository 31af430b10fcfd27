// Signature compatibility of a model with the one it replaces: what a client written for
// `before` would break on when served `after`.
//
// Breaks: an input or output that is gone (missing or renamed), a changed element type, a
// changed rank, a fixed dimension changed to another value, an input dimension narrowed (any
// size before, one fixed size now), an output dimension that was fixed and no longer is, and
// a new input (clients do not send it; an input with an initializer, a default, is not an
// input of the engine, so adding one is no break). Not breaks (listed as compatible changes): a new
// output, an input dimension widened (fixed before, any size now), an output dimension
// narrowed to a fixed size.
#ifndef BERTH_VALIDATION_SIGNATURE_CHECK_H_
#define BERTH_VALIDATION_SIGNATURE_CHECK_H_

#include <string>
#include <vector>

#include "engine/graph/graph.h"

namespace berth::validation {

struct SignatureDiff {
  std::vector<std::string> breaks;      // "input 'x' is gone", one line each
  std::vector<std::string> compatible;  // "new output 'probs'", one line each
};

SignatureDiff CompareSignatures(const std::vector<engine::ValueInfo>& before_inputs,
                                const std::vector<engine::ValueInfo>& before_outputs,
                                const std::vector<engine::ValueInfo>& after_inputs,
                                const std::vector<engine::ValueInfo>& after_outputs);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_SIGNATURE_CHECK_H_
