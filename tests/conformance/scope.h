// Which ONNX test cases the engine is expected to pass, decided from the model alone.
//
// Out of scope (not counted in the pass rate): graphs with sequence, optional or map inputs
// or outputs; the training-preview domain; cases whose expected outputs are random draws
// (Bernoulli, RandomNormal/Uniform(Like), Multinomial, Dropout in training mode with a
// non-zero ratio). Unsupported (counted, not passing): element types the engine lacks.
// A load failure is classified by ClassifyLoadError.
#ifndef BERTH_TESTS_CONFORMANCE_SCOPE_H_
#define BERTH_TESTS_CONFORMANCE_SCOPE_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace berth::conformance {

enum class Outcome { kPass, kFail, kUnsupported, kOutOfScope, kCrash };

// "pass", "fail", "unsupported", "out-of-scope", "crash".
const char* OutcomeName(Outcome outcome);

struct Decision {
  Outcome outcome = Outcome::kPass;  // kPass here means "in scope, run it"
  std::string reason;
};

// Decides whether the case is in scope. `feeds` holds the first data set's inputs by graph
// input name; it is only read to learn Dropout's training_mode and ratio when they are graph
// inputs. Returns kPass (in scope), kOutOfScope or kUnsupported, with a reason.
Decision CheckScope(const onnx::ModelProto& model,
                    const std::map<std::string, onnx::TensorProto>& feeds);

// Operator domains used by the model's nodes (subgraphs included) other than the default
// one ("" or "ai.onnx").
std::set<std::string> NonDefaultDomains(const onnx::ModelProto& model);

// The outcome of a case whose model failed to load with `status`: unsupported if the engine
// says Unimplemented, or if the model uses a non-default operator domain (ai.onnx.ml, ...);
// fail otherwise.
Outcome ClassifyLoadError(const absl::Status& status, const std::set<std::string>& domains);

}  // namespace berth::conformance

#endif  // BERTH_TESTS_CONFORMANCE_SCOPE_H_
