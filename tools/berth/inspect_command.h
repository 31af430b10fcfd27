// `berth inspect MODEL.onnx [--json]`: a model's signature and metadata.
#ifndef BERTH_TOOLS_BERTH_INSPECT_COMMAND_H_
#define BERTH_TOOLS_BERTH_INSPECT_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace berth::cli {

struct InspectOptions {
  std::string model_path;
  bool json = false;
};

// Adds the subcommand to `app`, binding its flags to `options` (which must outlive `app`).
CLI::App* AddInspectCommand(CLI::App& app, InspectOptions* options);

// Prints the report on stdout. A model the engine cannot run (Unimplemented) is still
// described, from its graph alone, with the reason under "engine"; a file that is not a
// model fails.
absl::Status RunInspect(const InspectOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_INSPECT_COMMAND_H_
