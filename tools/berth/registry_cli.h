// What the registry subcommands share: the --registry/--artifacts/--actor flags, opening the
// registry, REF parsing, and the JSON objects and tables they print (one form per record, so
// that `versions --json` and `show --json` describe a version the same way).
#ifndef BERTH_TOOLS_BERTH_REGISTRY_CLI_H_
#define BERTH_TOOLS_BERTH_REGISTRY_CLI_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "common/json_writer.h"
#include "registry/record_json.h"
#include "registry/registry.h"

namespace berth::cli {

struct RegistryFlags {
  std::string uri = registry::kDefaultRegistryUri;
  std::string artifacts;  // empty: registry::DefaultArtifactsDir(uri)
  std::string actor;      // empty: $USER, else the account name
  // With an admin URL, the commands that take one call that management API instead of
  // opening the database (registry_access.h).
  std::string admin_url;  // http://HOST:PORT of `berth serve --admin-port`
  std::string admin_token_file;
};

// Adds --registry, --artifacts and --actor to `cmd`, bound to `flags`.
void AddRegistryFlags(CLI::App* cmd, RegistryFlags* flags);

// Adds --admin-url and --admin-token-file (after AddRegistryFlags; --admin-url excludes
// --registry and --artifacts).
void AddAdminUrlFlags(CLI::App* cmd, RegistryFlags* flags);

// Opens the registry the flags name. Commands that only read or move aliases pass
// kMustExist, so that a mistyped --registry fails instead of creating an empty registry.
absl::StatusOr<std::unique_ptr<registry::Registry>> OpenRegistry(
    const RegistryFlags& flags, registry::OpenMode mode = registry::OpenMode::kMustExist);

// --actor, else $USER, else the name of the effective user.
std::string Actor(const RegistryFlags& flags);

// "NAME@REF" split at the last '@'; InvalidArgument naming the text when either is empty.
absl::StatusOr<std::pair<std::string, std::string>> SplitNameRef(const std::string& text);

// "KEY=VALUE" split at the first '='; InvalidArgument naming `what` ("tag") and the text.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(const std::string& text,
                                                                  const std::string& what);

// One JSON object per record (registry/record_json.h, shared with the management API).
using registry::AliasesOf;
using registry::WriteAliasJson;
using registry::WriteDeploymentJson;
using registry::WriteRolloutJson;
using registry::WriteVersionJson;

// Prints `rows` under `header`, columns left-aligned and two spaces apart.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Prints one line and flushes stdout.
void PrintLine(const std::string& line);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_REGISTRY_CLI_H_
