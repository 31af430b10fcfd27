// The edge-case check as the validation runs it: the cases of edge_cases.h, made and run in a
// child process (child_process.h) that loads the model itself, so that a model that crashes
// or hangs on one of them fails the check, naming the case, instead of crashing berth.
#ifndef BERTH_VALIDATION_EDGE_CASE_CHECK_H_
#define BERTH_VALIDATION_EDGE_CASE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/model.h"
#include "validation/child_process.h"
#include "validation/edge_cases.h"
#include "validation/report.h"

namespace berth::validation {

struct EdgeCaseOptions {
  engine::ModelOptions model;
  int64_t largest_batch = 64;
  uint64_t seed = 7;
  double timeout_seconds = 300;
};

// Runs the cases for the model at `model_path` in a child process. Must be called while the
// process is single-threaded (child_process.h).
CheckResult EdgeCaseCheckIsolated(const std::string& model_path, const EdgeCaseOptions& options);

// The check from what the child emitted (its protocol: "largest\tROWS", the largest batch
// it made, then "begin\tCASE" before each case, "end\tCASE\tOUTCOME\tDETAIL" after it;
// "skip\tREASON" when no case could be made) and how it ended; `largest_batch` is the figure
// when the child did not say. Exposed for tests.
CheckResult EdgeCaseCheckFrom(const ChildOutcome& child, int64_t largest_batch);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_EDGE_CASE_CHECK_H_
