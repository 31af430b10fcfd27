#include "push_command.h"

#include <cmath>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::cli {
namespace {

absl::StatusOr<registry::PushOptions> BuildPushOptions(const PushCommandOptions& options) {
  registry::PushOptions push;
  push.name = options.name;
  push.description = options.description;
  push.derivation = options.derivation;
  push.actor = Actor(options.registry);
  if (options.parent != 0) push.parent = options.parent;
  for (const std::string& text : options.tags) {
    ASSIGN_OR_RETURN(auto kv, SplitKeyValue(text, "tag"));
    push.tags[kv.first] = kv.second;
  }
  for (const std::string& text : options.metrics) {
    ASSIGN_OR_RETURN(auto kv, SplitKeyValue(text, "metric"));
    double value = 0;
    if (!absl::SimpleAtod(kv.second, &value) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric '", text, "' does not have a finite number as its value"));
    }
    push.metrics[kv.first] = value;
  }
  return push;
}

}  // namespace

CLI::App* AddPushCommand(CLI::App& app, PushCommandOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "push", "Add a model to the registry as the next version; prints the version number");
  cmd->add_option("model", options->model_path, "ONNX model file")->required();
  cmd->add_option("--name", options->name, "Model name")->required();
  cmd->add_option("--description", options->description, "What this version is");
  cmd->add_option("--tag", options->tags, "A tag KEY=VALUE (repeatable)");
  cmd->add_option("--metric", options->metrics, "A metric KEY=NUMBER (repeatable)");
  cmd->add_option("--parent", options->parent, "The version this one derives from")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--derivation", options->derivation,
                  "How it was derived from its parent (lineage)");
  AddRegistryFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunPush(const PushCommandOptions& options) {
  ASSIGN_OR_RETURN(registry::PushOptions push, BuildPushOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> registry,
                   OpenRegistry(options.registry, registry::OpenMode::kCreateIfMissing));
  ASSIGN_OR_RETURN(registry::ModelVersion version, registry->Push(options.model_path, push));
  PrintLine(absl::StrCat(version.version));
  return absl::OkStatus();
}

}  // namespace berth::cli
