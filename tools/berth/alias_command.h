// Aliases and the deployment ledger:
//   berth alias set NAME ALIAS VERSION [--reason TEXT]   moves (or creates) an alias
//   berth alias list NAME [--json]                        the aliases and their versions
//   berth history NAME [--alias ALIAS] [--json]           every alias move, oldest first
//   berth history NAME [--alias production] --at TIME     the version the alias had at TIME
//   berth rollback NAME [--alias ALIAS] [--reason TEXT]   back to the alias's previous version
#ifndef BERTH_TOOLS_BERTH_ALIAS_COMMAND_H_
#define BERTH_TOOLS_BERTH_ALIAS_COMMAND_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct AliasOptions {
  RegistryFlags registry;
  std::string name;
  std::string alias;
  int64_t version = 0;
  std::string reason;
  bool json = false;
  CLI::App* set_cmd = nullptr;  // which of the two subcommands ran
  CLI::App* list_cmd = nullptr;
};

struct HistoryOptions {
  RegistryFlags registry;
  std::string name;
  std::string alias;  // empty: every alias (with --at: production)
  std::string at;     // RFC 3339; empty: print the ledger
  bool json = false;
};

struct RollbackOptions {
  RegistryFlags registry;
  std::string name;
  std::string alias = "production";
  std::string reason;
};

// Add the subcommands to `app`, binding their flags to `options` (which must outlive `app`).
CLI::App* AddAliasCommand(CLI::App& app, AliasOptions* options);
CLI::App* AddHistoryCommand(CLI::App& app, HistoryOptions* options);
CLI::App* AddRollbackCommand(CLI::App& app, RollbackOptions* options);

// alias set prints "ALIAS: FROM -> TO" ("-" for a new alias); alias list and history print a
// table, or with --json an array of objects (alias: model, alias, version, updated_at;
// history: id, model, alias, from_version, to_version, actor, reason, at). history --at
// prints the version number alone (with --json an object: model, alias, at, version).
absl::Status RunAlias(const AliasOptions& options);
absl::Status RunHistory(const HistoryOptions& options);
// Prints "ALIAS: FROM -> TO". Fails when the alias has no earlier version.
absl::Status RunRollback(const RollbackOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_ALIAS_COMMAND_H_
