#include "validate_command.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli_util.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "registry/sha256.h"
#include "validation/validator.h"

namespace berth::cli {
namespace {

using validation::CheckResult;
using validation::ModelIdentity;
using validation::ValidationReport;

bool IsModelFile(const std::string& ref) {
  return absl::EndsWith(ref, ".onnx") || ref.find('@') == std::string::npos;
}

// A model to validate or compare against: who it is and where its bytes are.
struct ResolvedModel {
  ModelIdentity identity;
  std::string path;
};

// The registry, opened on first use (only when a REF names a registry version).
class LazyRegistry {
 public:
  explicit LazyRegistry(const RegistryFlags& flags) : flags_(flags) {}
  absl::StatusOr<registry::Registry*> Get() {
    if (registry_ == nullptr) {
      ASSIGN_OR_RETURN(registry_, OpenRegistry(flags_));
    }
    return registry_.get();
  }

 private:
  const RegistryFlags& flags_;
  std::unique_ptr<registry::Registry> registry_;
};

absl::StatusOr<ResolvedModel> Resolve(const std::string& ref, LazyRegistry& lazy) {
  ResolvedModel m;
  m.identity.ref = ref;
  if (IsModelFile(ref)) {
    RETURN_IF_ERROR(CheckReadableFile(ref, "model"));
    ASSIGN_OR_RETURN(m.identity.sha256, registry::Sha256HexOfFile(ref));
    m.path = ref;
    return m;
  }
  ASSIGN_OR_RETURN(auto name_ref, SplitNameRef(ref));
  ASSIGN_OR_RETURN(registry::Registry * registry, lazy.Get());
  ASSIGN_OR_RETURN(registry::ModelVersion version, registry->Show(name_ref.first, name_ref.second));
  ASSIGN_OR_RETURN(m.path, registry->ArtifactPath(version));
  m.identity.name = version.model;
  m.identity.version = version.version;
  m.identity.sha256 = version.digest;
  return m;
}

std::string FiguresText(const CheckResult& c) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : c.figures) parts.push_back(fmt::format("{}={:.6g}", key, value));
  return absl::StrJoin(parts, " ");
}

void PrintReport(const ValidationReport& r) {
  std::string head = absl::StrCat("validation of ", r.model.ref);
  if (r.against) absl::StrAppend(&head, " against ", r.against->ref);
  PrintLine(absl::StrCat(head, ": ", r.passed ? "PASSED" : "FAILED"));
  for (const CheckResult& c : r.checks) {
    PrintLine(
        fmt::format("  {:<10} {:<7} {}", c.name, validation::CheckStatusName(c.status), c.message));
    if (!c.figures.empty()) PrintLine(fmt::format("  {:<10} {:<7} {}", "", "", FiguresText(c)));
  }
}

}  // namespace

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Validate a model (NAME@VERSION, NAME@ALIAS or MODEL.onnx) before it serves: load, "
      "signature, accuracy, agreement, edge cases, latency");
  cmd->add_option("ref", options->target, "NAME@VERSION, NAME@ALIAS or MODEL.onnx")->required();
  cmd->add_option("--data", options->data, "dataset file: .npy, .npz, .pb or .csv (repeatable)");
  cmd->add_option("--labels", options->labels, "a file holding the labels (one per row)");
  CLI::Option* against = cmd->add_option(
      "--against", options->against,
      "the model this one replaces (NAME@REF or MODEL.onnx): signature and agreement");
  cmd->add_option("--min-accuracy", options->min_accuracy, "least classification top-1 (0 to 1)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-p99-ms", options->max_p99_ms, "latency budget: largest p99 in ms")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-agreement", options->min_agreement,
                  "with --against: least share of rows whose top-1 matches the other model's")
      ->check(CLI::Range(0.0, 1.0))
      ->needs(against);
  cmd->add_option("--max-abs-diff", options->max_abs_diff,
                  "with --against: largest absolute difference of any output element")
      ->check(CLI::NonNegativeNumber)
      ->needs(against);
  cmd->add_option("--batch", options->batch, "the latency check's batch")
      ->check(CLI::Range(int64_t{1}, validation::kMaxBatch))
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "intra-op threads of every run (0: all cores)")
      ->check(CLI::Range(0, validation::kMaxThreads))
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "print the report as JSON");
  cmd->add_option("--label-column", options->label_column,
                  "CSV: the column holding labels ('' for none)")
      ->capture_default_str();
  cmd->add_flag("--regression", options->regression,
                "CSV: the labels are regression targets (floats), not class indices");
  cmd->add_option("--rows", options->rows, "use at most this many rows of the data")
      ->check(CLI::Range(int64_t{1}, validation::kMaxRows))
      ->capture_default_str();
  cmd->add_option("--largest-batch", options->largest_batch,
                  "the edge cases' largest batch (unless the model fixes it)")
      ->check(CLI::Range(int64_t{1}, validation::kMaxBatch))
      ->capture_default_str();
  cmd->add_option("--iterations", options->iterations, "timed runs of the latency check, at most")
      ->check(CLI::Range(int64_t{1}, validation::kMaxIterations))
      ->capture_default_str();
  cmd->add_option("-o,--output", options->output, "also write the JSON report to this file");
  AddRegistryFlags(cmd, &options->registry);
  return cmd;
}

absl::StatusOr<bool> RunValidate(const ValidateOptions& options) {
  LazyRegistry lazy(options.registry);
  ASSIGN_OR_RETURN(ResolvedModel model, Resolve(options.target, lazy));
  validation::ValidationRequest request;
  request.model = model.identity;
  request.model_path = model.path;
  if (!options.against.empty()) {
    ASSIGN_OR_RETURN(ResolvedModel against, Resolve(options.against, lazy));
    request.against = against.identity;
    request.against_path = against.path;
  }
  for (const std::string& file : options.data)
    RETURN_IF_ERROR(CheckReadableFile(file, "data file"));
  if (!options.labels.empty()) RETURN_IF_ERROR(CheckReadableFile(options.labels, "labels file"));
  request.data.files = options.data;
  request.data.labels_file = options.labels;
  request.data.label_column = options.label_column;
  request.data.float_labels = options.regression;
  request.data.max_rows = options.rows;
  validation::ValidationOptions vo;
  vo.batch = options.batch;
  vo.threads = options.threads;
  vo.min_accuracy = options.min_accuracy;
  vo.max_p99_ms = options.max_p99_ms;
  vo.min_agreement = options.min_agreement;
  vo.max_abs_diff = options.max_abs_diff;
  vo.largest_batch = options.largest_batch;
  vo.latency_iterations = options.iterations;
  // The edge cases run in a fresh berth process (this binary, re-executed).
  vo.edge_case_command = {"/proc/self/exe", kEdgeCaseChildCommand};
  ASSIGN_OR_RETURN(ValidationReport report, validation::Validate(request, vo));
  const std::string json = validation::ReportToJson(report);
  if (!options.output.empty()) RETURN_IF_ERROR(WriteStringToFile(options.output, json + "\n"));
  if (options.json) {
    PrintLine(validation::ReportToJson(report, 2));
  } else {
    PrintReport(report);
  }
  if (model.identity.version) {
    ASSIGN_OR_RETURN(registry::Registry * registry, lazy.Get());
    ASSIGN_OR_RETURN(
        registry::VersionDocument doc,
        registry->PutDocument(*model.identity.name, absl::StrCat(*model.identity.version),
                              validation::kReportDocumentKind, json, Actor(options.registry)));
    if (!options.json) {
      PrintLine(
          absl::StrCat("stored as the validation report of ", doc.model, " version ", doc.version));
    }
  }
  return report.passed;
}

std::vector<std::string> ValidationSummaryLines(const std::string& report_json) {
  absl::StatusOr<ValidationReport> r = validation::ParseReportJson(report_json);
  if (!r.ok()) return {absl::StrCat("unreadable: ", r.status().message())};
  std::string head =
      absl::StrCat(r->passed ? "passed" : "failed", " (", registry::Rfc3339Utc(r->created_at));
  if (r->against) absl::StrAppend(&head, ", against ", r->against->ref);
  if (r->options.min_accuracy) {
    absl::StrAppend(&head, ", min accuracy ", *r->options.min_accuracy);
  }
  if (r->options.max_p99_ms) absl::StrAppend(&head, ", max p99 ", *r->options.max_p99_ms, " ms");
  if (r->options.min_agreement) {
    absl::StrAppend(&head, ", min agreement ", *r->options.min_agreement);
  }
  if (r->options.max_abs_diff) {
    absl::StrAppend(&head, ", max abs diff ", *r->options.max_abs_diff);
  }
  std::vector<std::string> lines = {head + ")"};
  for (const CheckResult& c : r->checks) {
    lines.push_back(
        fmt::format("  {}: {}: {}", c.name, validation::CheckStatusName(c.status), c.message));
  }
  return lines;
}

}  // namespace berth::cli
