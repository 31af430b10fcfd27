// `berth versions NAME [--json]`: the versions of a model, oldest first.
// `berth show NAME@REF [--json]`: one version (REF: a version number or an alias).
#ifndef BERTH_TOOLS_BERTH_VERSIONS_COMMAND_H_
#define BERTH_TOOLS_BERTH_VERSIONS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct VersionsOptions {
  RegistryFlags registry;
  std::string name;
  bool json = false;
};

struct ShowOptions {
  RegistryFlags registry;
  std::string name_ref;  // NAME@REF
  bool json = false;
};

// Add the subcommands to `app`, binding their flags to `options` (which must outlive `app`).
CLI::App* AddVersionsCommand(CLI::App& app, VersionsOptions* options);
CLI::App* AddShowCommand(CLI::App& app, ShowOptions* options);

// With --json, versions prints a JSON array of version objects and show one object (model,
// version, digest, size, created_at, pushed_by, description, tags, metrics, parent,
// derivation, aliases, signature); without, a table / a list of fields.
absl::Status RunVersions(const VersionsOptions& options);
absl::Status RunShow(const ShowOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_VERSIONS_COMMAND_H_
