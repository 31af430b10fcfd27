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
  engine::ModelOptions model;  // how the child loads the model
  int64_t largest_batch = 64;
  uint64_t seed = 7;
  double timeout_seconds = 300;
  // A program that runs RunEdgeCaseChild (`berth validate-edge-cases`): its argv, to which
  // MODEL LARGEST_BATCH SEED THREADS are appended. With it the cases run in a fresh process
  // (fork and exec: safe from a multi-threaded process, at the threads asked for). Without
  // it the child is only forked, and runs one thread: call it then before this process has
  // run multi-threaded work (child_process.h).
  std::vector<std::string> child_command;
};

// Runs the cases for the model at `model_path` in a child process.
CheckResult EdgeCaseCheckIsolated(const std::string& model_path, const EdgeCaseOptions& options);

// The child's side with `child_command`: loads the model, makes and runs the cases, and writes
// the protocol lines (below) on stdout. `args` are MODEL LARGEST_BATCH SEED THREADS. Returns
// the exit status: 0, or 2 for arguments it cannot read (with a line on stderr).
int RunEdgeCaseChild(const std::vector<std::string>& args);

// The check from what the child emitted (its protocol: "largest\tROWS", the largest batch
// it made, then "begin\tCASE" before each case, "end\tCASE\tOUTCOME\tDETAIL" after it;
// "skip\tREASON" when no case could be made) and how it ended; `largest_batch` is the figure
// when the child did not say. Exposed for tests.
CheckResult EdgeCaseCheckFrom(const ChildOutcome& child, int64_t largest_batch);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_EDGE_CASE_CHECK_H_
