// The validation report (`berth validate`): what each check found, in the JSON form the
// registry keeps as a version's "validation" document (docs/VALIDATION.md, contract C1):
//
//   {"format": "berth.validation/1",
//    "model": {"ref": "digits@3", "name": "digits", "version": 3, "sha256": "..."},
//    "against": {...the same fields...} | null,
//    "passed": true, "created_at": "2026-12-07T04:00:00Z",
//    "options": {"batch": 1, "threads": 1, "min_accuracy": 0.9 | null, "max_p99_ms": 5 | null,
//                "min_agreement": 0.99 | null, "max_abs_diff": 0.1 | null},
//    "checks": [{"name": "load", "status": "passed", "message": "...", "figures": {...}}, ...],
//    "accuracy": {"task": "classification", "rows": 360, "top1": 0.975, "top5": 0.997}
//              | {"task": "regression", "rows": 100, "mae": 0.1, "rmse": 0.2} | null,
//    "latency": {"batch": 1, "threads": 1, "p50_ms": 0.1, "p99_ms": 0.2,
//                "throughput_per_s": 9000} | null}
//
// "name" and "version" are null for a model file. Reading checks every member's type, the
// format, check names and statuses, and the size of the text.
#ifndef BERTH_VALIDATION_REPORT_H_
#define BERTH_VALIDATION_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace berth::validation {

inline constexpr char kReportFormat[] = "berth.validation/1";
// The kind of registry version document the report is stored as.
inline constexpr char kReportDocumentKind[] = "validation";
inline constexpr size_t kMaxReportJsonBytes = 1 << 20;

// The checks, in the order they are reported.
inline constexpr const char* kCheckNames[] = {"load",      "signature",  "accuracy",
                                              "agreement", "edge_cases", "latency"};

enum class CheckStatus { kPassed, kFailed, kSkipped };
// "passed", "failed", "skipped".
const char* CheckStatusName(CheckStatus status);

// One check: its one-line message says why when it failed (or was skipped) and sums up what
// it found otherwise; `figures` are its numbers, in the order they are shown.
struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::kSkipped;
  std::string message;
  std::vector<std::pair<std::string, double>> figures;
};

// Which model: `ref` as given ("digits@3", "digits@production" or a file path); `name` and
// `version` for a registry version, empty for a file.
struct ModelIdentity {
  std::string ref;
  std::optional<std::string> name;
  std::optional<int64_t> version;
  std::string sha256;
};

struct ReportOptions {
  int64_t batch = 1;
  int threads = 1;
  std::optional<double> min_accuracy;
  std::optional<double> max_p99_ms;
  std::optional<double> min_agreement;  // absent from reports made before these options
  std::optional<double> max_abs_diff;
};

// Accuracy on labelled data: classification (top1, top5; top5 empty when the model outputs
// labels, not scores) or regression (mae, rmse).
struct AccuracyFigures {
  std::string task;  // "classification" or "regression"
  int64_t rows = 0;
  double top1 = 0;
  std::optional<double> top5;
  double mae = 0;
  double rmse = 0;
};

struct LatencyFigures {
  int64_t batch = 1;
  int threads = 1;
  double p50_ms = 0;
  double p99_ms = 0;
  double throughput_per_s = 0;
};

struct ValidationReport {
  ModelIdentity model;
  std::optional<ModelIdentity> against;
  bool passed = false;  // no check failed
  absl::Time created_at;
  ReportOptions options;
  std::vector<CheckResult> checks;
  std::optional<AccuracyFigures> accuracy;
  std::optional<LatencyFigures> latency;
};

// True when no check failed (skipped checks do not fail a report).
bool AllChecksPassed(const std::vector<CheckResult>& checks);

// The report as one line of JSON (indent 0) or pretty-printed.
std::string ReportToJson(const ValidationReport& report, int indent = 0);

// InvalidArgument naming the member that is wrong.
absl::StatusOr<ValidationReport> ParseReportJson(absl::string_view json);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_REPORT_H_
