// `berth optimize REF [--quantize int8-dynamic|int8-static|fp16|bf16] [--calibration FILE]
// [--prune SPARSITY [--structured]] [--push] [-o OUT.onnx]`: writes a smaller or faster copy
// of a model (src/optimize, docs/OPTIMIZATION.md), pruned first, then quantized. REF is
// NAME@VERSION or NAME@ALIAS in the registry, or a model file. It prints what it did (the nodes
// quantized, the sizes before and after). With --push (a registry REF only) the result becomes the
// model's next version, with the REF's version as its parent and a derivation naming the method and
// the SHA-256 of the calibration data; then the new version is validated against its parent
// (validate_command.h) and the report stored with it.
#ifndef BERTH_TOOLS_BERTH_OPTIMIZE_COMMAND_H_
#define BERTH_TOOLS_BERTH_OPTIMIZE_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct OptimizeCommandOptions {
  RegistryFlags registry;
  std::string target;                         // NAME@REF, or a path ending in .onnx
  std::string quantize;                       // a method name (optimize::ParseQuantizeMethod)
  std::vector<std::string> calibration;       // int8-static: dataset files
  std::string calibration_method = "minmax";  // or "percentile"
  double percentile = 99.999;
  int64_t calibration_rows = 0;  // 0: every row
  double prune = -1;             // --prune SPARSITY; negative: no pruning
  bool structured = false;
  bool push = false;
  std::string output;       // -o
  std::string description;  // of the pushed version (default: what was done)
  // --push: the validation of the new version against its parent. Its data are these files
  // (default: the calibration files; with neither, the checks that need no data run).
  std::vector<std::string> validation_data;
  std::string labels;  // a labels file for validation_data
  std::string label_column = "label";
  std::optional<double> min_accuracy;
  std::optional<double> max_p99_ms;
  std::optional<double> min_agreement;  // against the parent: least top-1 agreement
  std::optional<double> max_abs_diff;   // against the parent: largest output difference
};

CLI::App* AddOptimizeCommand(CLI::App& app, OptimizeCommandOptions* options);

// InvalidArgument for a bad combination of flags (neither --quantize nor --prune, int8-static
// without
// --calibration, --push with a model file, neither -o nor --push); the optimizer's, the
// registry's and the file errors otherwise. Nothing is written or pushed unless the whole
// optimization succeeded. With --push, a new version that fails its validation stays pushed
// with its failing report (protected aliases refuse it) and the result is FailedPrecondition;
// a validation that could not run is that error, naming the version.
absl::Status RunOptimize(const OptimizeCommandOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_OPTIMIZE_COMMAND_H_
