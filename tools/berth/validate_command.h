// `berth validate REF --data FILE... [--labels FILE] [--against REF] [--min-accuracy X]
// [--max-p99-ms Y] [--batch B] [--threads T] [--json]`: the six checks of a model before it
// serves (validation/validator.h; docs/VALIDATION.md). REF and --against are NAME@VERSION,
// NAME@ALIAS or a model file (.onnx). With a registry REF the report is stored as the
// version's "validation" document, which `berth show` prints and protected aliases require.
//
// Exit status: 0 every check passed (skipped ones do not count), 1 a check failed (the report
// is printed and, for a registry REF, stored), 2 a usage error, 3 the validation could not run
// (a missing file, unreadable data, an unknown version; nothing is stored).
#ifndef BERTH_TOOLS_BERTH_VALIDATE_COMMAND_H_
#define BERTH_TOOLS_BERTH_VALIDATE_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "registry_cli.h"

namespace berth::cli {

inline constexpr int kExitValidationFailed = 1;
// `berth validate-edge-cases MODEL LARGEST_BATCH SEED THREADS`: the process `validate` starts
// (fork and exec of /proc/self/exe) to run the edge cases, so a crash stays in it.
inline constexpr char kEdgeCaseChildCommand[] = "validate-edge-cases";
inline constexpr int kExitCouldNotValidate = 3;

struct ValidateOptions {
  RegistryFlags registry;
  std::string target;  // NAME@REF or MODEL.onnx
  std::vector<std::string> data;
  std::string labels;
  std::string against;
  std::optional<double> min_accuracy;
  std::optional<double> max_p99_ms;
  std::optional<double> min_agreement;  // with against: least top-1 agreement
  std::optional<double> max_abs_diff;   // with against: largest output difference
  int64_t batch = 1;
  int threads = 1;
  bool json = false;
  std::string label_column = "label";
  bool regression = false;
  int64_t rows = 10000;
  int64_t largest_batch = 64;
  int64_t iterations = 200;
  std::string output;  // -o: also write the JSON report here
};

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions* options);

// Runs the validation and prints the report. True when every check passed, false when one
// failed; an error when it could not run (naming the file, the version or the option).
absl::StatusOr<bool> RunValidate(const ValidateOptions& options);

// The lines `berth show` prints for a stored "validation" document: the verdict, when it was
// made and against what, then each check's status and one-line message.
std::vector<std::string> ValidationSummaryLines(const std::string& report_json);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_VALIDATE_COMMAND_H_
