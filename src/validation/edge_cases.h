// The edge-case check: inputs made from the model's signature, run twice each.
//
// Cases: zeros, ones, huge (1e30; the type's largest finite / 2 for 16-bit floats and
// integers), tiny (1e-30; 16-bit floats: their smallest normal), nan, inf (floating-point
// inputs only; integer inputs take zeros there), random (uniform in [-1, 1], integers in
// [0, 10), fixed seed), batch_smallest (1 row) and batch_largest (`largest_batch` rows, or the
// fixed first dimension, bounded so a case holds at most kMaxCaseElements per input).
// Dimensions other than the first that are not fixed take kFreeDimSize.
//
// Outcomes: ok; refused (the model returned an error: allowed for huge, tiny, nan and inf,
// a failure for the others, which hold ordinary values the signature allows); non_finite (an
// output holds NaN or Inf although every input was finite: a failure); nondeterministic (two
// runs gave different bytes: a failure). Crashes and hangs are caught by RunEdgeCasesIsolated
// (edge_case_runner.h), which runs the cases in a child process.
#ifndef BERTH_VALIDATION_EDGE_CASES_H_
#define BERTH_VALIDATION_EDGE_CASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/runtime/model.h"

namespace berth::validation {

inline constexpr int64_t kFreeDimSize = 8;
inline constexpr int64_t kMaxCaseElements = int64_t{1} << 24;
inline constexpr int64_t kMaxLargestBatch = 4096;

struct EdgeCase {
  std::string name;
  std::vector<engine::Tensor> inputs;  // model input order
  bool finite = true;                  // every input value is finite: outputs must be too
  bool must_run = true;                // ordinary values: the model may not refuse them
};

// The cases for a model with `inputs`. InvalidArgument naming the input when one cannot be
// made (a string input, an unknown rank).
absl::StatusOr<std::vector<EdgeCase>> MakeEdgeCases(const std::vector<engine::ValueInfo>& inputs,
                                                    int64_t largest_batch, uint64_t seed);

// Random inputs (the "random" case's values) of `batch` rows, for runs that need some input.
absl::StatusOr<std::vector<engine::Tensor>> MakeRandomInputs(
    const std::vector<engine::ValueInfo>& inputs, int64_t batch, uint64_t seed);

enum class EdgeOutcome { kOk, kRefused, kNonFinite, kNondeterministic, kFailed };
// "ok", "refused", "non_finite", "nondeterministic", "failed".
const char* EdgeOutcomeName(EdgeOutcome outcome);
// True for the outcomes that fail the check (a refusal only when the case must run).
bool EdgeOutcomeFails(EdgeOutcome outcome);

struct EdgeCaseResult {
  std::string name;
  EdgeOutcome outcome = EdgeOutcome::kOk;
  std::string detail;  // one line: what happened
};

// Runs `c` twice on `model` and judges the outputs (in this process).
EdgeCaseResult RunEdgeCase(const engine::Model& model, const EdgeCase& c);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_EDGE_CASES_H_
