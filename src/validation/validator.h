// `berth validate`: the six checks of a model before it serves, in order: load (and a warm-up
// run), signature (compatibility with the model it replaces), accuracy (on labelled data),
// agreement (with the model it replaces, on the same rows), edge_cases (inputs made from the
// signature, in a child process), latency (against a p99 budget). docs/VALIDATION.md says
// what each check measures and when it fails.
//
//   ValidationRequest request;
//   request.model = {.ref = "digits@3", .name = "digits", .version = 3, .sha256 = digest};
//   request.model_path = "/artifacts/sha256/...";
//   request.data.files = {"digits_test.npz"};
//   ValidationOptions options;
//   options.min_accuracy = 0.9;
//   ASSIGN_OR_RETURN(ValidationReport report, Validate(request, options));
//
// Without an edge_case_command, Validate forks the edge-case child first: call it then before
// the process has run multi-threaded work (a model with more than one thread).
#ifndef BERTH_VALIDATION_VALIDATOR_H_
#define BERTH_VALIDATION_VALIDATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validation/data_run.h"
#include "validation/report.h"

namespace berth::validation {

// Bounds of the options (Validate refuses values outside them).
inline constexpr int64_t kMaxBatch = 4096;
inline constexpr int kMaxThreads = 256;
inline constexpr int64_t kMaxRows = 1000000;
inline constexpr int64_t kMaxIterations = 100000;
// A check's message is cut to this many bytes (a model with thousands of renamed inputs).
inline constexpr size_t kMaxMessageBytes = 4096;

struct ValidationOptions {
  int64_t batch = 1;                   // the latency check's batch
  int threads = 1;                     // intra-op threads of every run (0: one per core)
  std::optional<double> min_accuracy;  // classification top-1 (0 to 1)
  std::optional<double> max_p99_ms;    // the latency budget
  // Thresholds of the agreement check (they need a model to compare against): the least share
  // of rows whose top-1 (arg-max of the first output) matches the other model's, and the
  // largest absolute difference of any output element (a NaN in one model only exceeds it).
  std::optional<double> min_agreement;
  std::optional<double> max_abs_diff;
  int64_t data_batch = 64;     // rows per run over the data
  int64_t largest_batch = 64;  // the edge cases' largest batch
  int64_t latency_iterations = 200;
  double latency_max_seconds = 10;
  double edge_case_timeout_seconds = 300;
  // EdgeCaseOptions::child_command: the program that runs the edge cases in a fresh process
  // (`berth validate-edge-cases`). Empty: a forked child (see below).
  std::vector<std::string> edge_case_command;
  uint64_t seed = 7;
};

struct ValidationRequest {
  ModelIdentity model;
  std::string model_path;
  std::optional<ModelIdentity> against;  // with against_path: the model this one replaces
  std::string against_path;
  DataSpec data;  // no files: accuracy and agreement are skipped
};

// The report of every check. A failed check is a report with passed == false, not an error;
// errors are for what stops the validation from running: options out of bounds
// (InvalidArgument naming the option; an agreement threshold without request.against too),
// a dataset that cannot be read or does not fit the
// model (InvalidArgument naming the file or tensor), an --against model that does not load.
absl::StatusOr<ValidationReport> Validate(const ValidationRequest& request,
                                          const ValidationOptions& options);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_VALIDATOR_H_
