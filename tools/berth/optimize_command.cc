#include "optimize_command.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "optimize/optimize.h"
#include "registry/sha256.h"
#include "validate_command.h"

namespace berth::cli {
namespace {

// The model to optimize: its bytes, and its registry version when REF named one.
struct Source {
  std::string bytes;
  std::optional<registry::ModelVersion> version;
};

bool IsModelFile(const std::string& target) { return absl::EndsWith(target, ".onnx"); }

absl::StatusOr<optimize::OptimizeOptions> BuildOptions(const OptimizeCommandOptions& options) {
  optimize::OptimizeOptions out;
  if (options.quantize.empty() && options.prune < 0) {
    return absl::InvalidArgumentError(
        "nothing to do: give --quantize int8-dynamic|int8-static|fp16|bf16, --prune SPARSITY, "
        "or both");
  }
  if (options.structured && options.prune < 0) {
    return absl::InvalidArgumentError("--structured needs --prune SPARSITY");
  }
  if (!options.quantize.empty()) {
    ASSIGN_OR_RETURN(out.quantize, optimize::ParseQuantizeMethod(options.quantize));
  }
  if (options.prune >= 0) {
    out.prune = optimize::PruneOptions{.sparsity = options.prune, .structured = options.structured};
  }
  out.calibration_files = options.calibration;
  if (options.calibration_method == "percentile") {
    out.calibration.method = optimize::CalibrationMethod::kPercentile;
  } else if (options.calibration_method != "minmax") {
    return absl::InvalidArgumentError(absl::StrCat("unknown calibration method '",
                                                   options.calibration_method,
                                                   "' (expected minmax or percentile)"));
  }
  out.calibration.percentile = options.percentile;
  out.calibration.max_rows = options.calibration_rows;
  return out;
}

absl::StatusOr<Source> ReadSource(const OptimizeCommandOptions& options,
                                  registry::Registry* registry) {
  Source source;
  std::string path = options.target;
  if (registry != nullptr) {
    ASSIGN_OR_RETURN(auto name_ref, SplitNameRef(options.target));
    ASSIGN_OR_RETURN(source.version, registry->Show(name_ref.first, name_ref.second));
    ASSIGN_OR_RETURN(path, registry->ArtifactPath(*source.version));
  }
  ASSIGN_OR_RETURN(source.bytes, ReadFileToString(path, optimize::kMaxOptimizeModelBytes));
  return source;
}

// How the new version was made, for its lineage.
absl::StatusOr<std::string> Derivation(const OptimizeCommandOptions& options) {
  std::string text = "berth optimize";
  if (options.prune >= 0) {
    absl::StrAppend(&text, " --prune ", options.prune, options.structured ? " --structured" : "");
  }
  if (!options.quantize.empty()) absl::StrAppend(&text, " --quantize ", options.quantize);
  if (!options.calibration.empty()) {
    std::vector<std::string> digests;
    for (const std::string& file : options.calibration) {
      ASSIGN_OR_RETURN(std::string digest, registry::Sha256HexOfFile(file));
      digests.push_back(
          absl::StrCat(std::filesystem::path(file).filename().string(), " sha256:", digest));
    }
    absl::StrAppend(&text, " (calibration ", options.calibration_method, " on ",
                    absl::StrJoin(digests, ", "), ")");
  }
  return text;
}

// A private temporary file holding `bytes`, removed when this goes away.
class TempModelFile {
 public:
  static absl::StatusOr<std::unique_ptr<TempModelFile>> Write(const std::string& bytes) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "berth-optimize-XXXXXX.onnx").string();
    const int fd = mkstemps(pattern.data(), 5);
    if (fd < 0) return absl::InternalError("could not create a temporary file for the push");
    close(fd);
    auto file = std::unique_ptr<TempModelFile>(new TempModelFile(pattern));
    RETURN_IF_ERROR(WriteStringToFile(pattern, bytes));
    return file;
  }
  ~TempModelFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  explicit TempModelFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Validates `pushed` against `parent` through `berth validate`'s own path, which prints the
// report and stores it with the new version.
absl::Status ValidateAgainstParent(const OptimizeCommandOptions& options,
                                   const registry::ModelVersion& parent,
                                   const registry::ModelVersion& pushed) {
  ValidateOptions validate;
  validate.registry = options.registry;
  validate.target = absl::StrCat(pushed.model, "@", pushed.version);
  validate.against = absl::StrCat(parent.model, "@", parent.version);
  validate.data = options.validation_data.empty() ? options.calibration : options.validation_data;
  validate.labels = options.labels;
  validate.label_column = options.label_column;
  validate.min_accuracy = options.min_accuracy;
  validate.max_p99_ms = options.max_p99_ms;
  validate.min_agreement = options.min_agreement;
  validate.max_abs_diff = options.max_abs_diff;
  absl::StatusOr<bool> passed = RunValidate(validate);
  if (!passed.ok()) {
    return absl::Status(passed.status().code(),
                        absl::StrCat("version ", pushed.version, " is pushed but could not be ",
                                     "validated: ", passed.status().message()));
  }
  if (!*passed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version ", pushed.version, " is pushed but failed validation against version ",
        parent.version, " (report stored; protected aliases refuse it)"));
  }
  return absl::OkStatus();
}

absl::Status Push(const OptimizeCommandOptions& options, registry::Registry& registry,
                  const registry::ModelVersion& parent, const optimize::OptimizeResult& result,
                  const std::string& summary) {
  registry::PushOptions push;
  push.name = parent.model;
  push.parent = parent.version;
  ASSIGN_OR_RETURN(push.derivation, Derivation(options));
  push.description = options.description.empty() ? absl::StrCat(options.quantize, " of version ",
                                                                parent.version, ": ", summary)
                                                 : options.description;
  push.tags = {{"optimized", options.quantize}};
  push.actor = Actor(options.registry);
  ASSIGN_OR_RETURN(std::unique_ptr<TempModelFile> file, TempModelFile::Write(result.model_bytes));
  ASSIGN_OR_RETURN(registry::ModelVersion pushed, registry.Push(file->path(), push));
  PrintLine(absl::StrCat("pushed as ", pushed.model, " version ", pushed.version, " (parent ",
                         parent.version, ")"));
  return ValidateAgainstParent(options, parent, pushed);
}

}  // namespace

CLI::App* AddOptimizeCommand(CLI::App& app, OptimizeCommandOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "Quantize and/or prune a registry version (NAME@REF) or a model file into a new model");
  cmd->add_option("target", options->target, "NAME@REF in the registry, or MODEL.onnx")->required();
  cmd->add_option("--quantize", options->quantize, "int8-dynamic, int8-static, fp16 or bf16");
  cmd->add_option("--calibration", options->calibration,
                  "int8-static: rows to calibrate on (.npz, .npy, .pb, .csv; repeatable)");
  cmd->add_option("--calibration-method", options->calibration_method,
                  "minmax, or percentile (clips outliers)")
      ->capture_default_str();
  cmd->add_option("--percentile", options->percentile, "with percentile calibration")
      ->check(CLI::Range(50.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--calibration-rows", options->calibration_rows,
                  "calibrate on at most this many rows (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--prune", options->prune,
                  "zero this fraction of each weight (magnitude), before quantizing")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_flag("--structured", options->structured,
                "with --prune: remove that fraction of convolution channels instead");
  cmd->add_flag("--push", options->push, "register the result as the next version of NAME");
  cmd->add_option("--description", options->description, "with --push: of the new version");
  cmd->add_option("--validation-data", options->validation_data,
                  "with --push: data to validate the new version against its parent on "
                  "(default: the calibration files; repeatable)");
  cmd->add_option("--labels", options->labels, "with --push: a labels file for that data");
  cmd->add_option("--label-column", options->label_column,
                  "with --push: the label column of CSV validation data")
      ->capture_default_str();
  cmd->add_option("--min-accuracy", options->min_accuracy,
                  "with --push: least top-1 the new version must reach (0 to 1)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-p99-ms", options->max_p99_ms,
                  "with --push: the new version's latency budget (p99, ms)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-agreement", options->min_agreement,
                  "with --push: least share of rows whose top-1 matches the parent's")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-abs-diff", options->max_abs_diff,
                  "with --push: largest absolute difference from the parent's outputs")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--output", options->output, "where to write the optimized model");
  AddRegistryFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunOptimize(const OptimizeCommandOptions& options) {
  const bool from_file = IsModelFile(options.target);
  if (from_file && options.push) {
    return absl::InvalidArgumentError(
        "--push needs a registry REF (NAME@VERSION or NAME@ALIAS), not a model file; push the "
        "output with 'berth push'");
  }
  if (options.output.empty() && !options.push) {
    return absl::InvalidArgumentError("give -o OUT.onnx, --push, or both");
  }
  const bool validation_flags = !options.validation_data.empty() || !options.labels.empty() ||
                                options.min_accuracy || options.max_p99_ms ||
                                options.min_agreement || options.max_abs_diff;
  if (validation_flags && !options.push) {
    return absl::InvalidArgumentError(
        "--validation-data, --labels, --min-accuracy, --max-p99-ms, --min-agreement and "
        "--max-abs-diff validate a pushed version: they need --push");
  }
  ASSIGN_OR_RETURN(optimize::OptimizeOptions optimize_options, BuildOptions(options));
  std::unique_ptr<registry::Registry> registry;
  if (!from_file) {
    ASSIGN_OR_RETURN(registry, OpenRegistry(options.registry));
  }
  ASSIGN_OR_RETURN(Source source, ReadSource(options, registry.get()));
  ASSIGN_OR_RETURN(optimize::OptimizeResult result,
                   optimize::OptimizeModel(source.bytes, optimize_options));
  const std::vector<std::string> lines = optimize::DescribeResult(result);
  for (const std::string& line : lines) PrintLine(line);
  if (!options.output.empty()) {
    RETURN_IF_ERROR(WriteStringToFile(options.output, result.model_bytes));
    PrintLine(absl::StrCat("written to ", options.output));
  }
  if (options.push) {
    RETURN_IF_ERROR(Push(options, *registry, *source.version, result, lines.front()));
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
