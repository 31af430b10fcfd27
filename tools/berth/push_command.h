// `berth push MODEL.onnx --name NAME [--description TEXT] [--tag K=V]... [--metric K=V]...
//  [--parent VERSION] [--derivation TEXT]`: adds the model to the registry as the next
// version of NAME and prints that version number alone on one line.
#ifndef BERTH_TOOLS_BERTH_PUSH_COMMAND_H_
#define BERTH_TOOLS_BERTH_PUSH_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct PushCommandOptions {
  RegistryFlags registry;
  std::string model_path;
  std::string name;
  std::string description;
  std::vector<std::string> tags;     // K=V
  std::vector<std::string> metrics;  // K=V, V a number
  int64_t parent = 0;                // 0: none
  std::string derivation;
};

// Adds the subcommand to `app`, binding its flags to `options` (which must outlive `app`).
CLI::App* AddPushCommand(CLI::App& app, PushCommandOptions* options);

// Pushes the model. A bad name, tag, metric or a model the engine refuses fails before
// anything is written.
absl::Status RunPush(const PushCommandOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_PUSH_COMMAND_H_
