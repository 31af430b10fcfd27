// Aliases and the deployment ledger:
//   berth alias set NAME ALIAS VERSION [--reason TEXT]   moves (or creates) an alias
//   berth alias set NAME ALIAS VERSION --force --reason TEXT   past a protected alias's gate
//   berth alias list NAME [--json]                        the aliases, versions, protections
//   berth alias protect NAME ALIAS --require validation [--min-accuracy X] [--max-p99-ms Y]
//   berth alias unprotect NAME ALIAS                      remove the protection
//   berth alias protections NAME [--json]                 the protected aliases
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
  bool force = false;  // set: past a protected alias's gate (needs --reason)
  bool json = false;
  // protect: what the alias requires.
  std::string require;
  double min_accuracy = 0;
  double max_p99_ms = 0;
  CLI::Option* min_accuracy_flag = nullptr;  // given when count() > 0
  CLI::Option* max_p99_ms_flag = nullptr;
  CLI::App* set_cmd = nullptr;  // which subcommand ran
  CLI::App* list_cmd = nullptr;
  CLI::App* protect_cmd = nullptr;
  CLI::App* unprotect_cmd = nullptr;
  CLI::App* protections_cmd = nullptr;
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

// alias set prints "ALIAS: FROM -> TO" ("-" for a new alias; "(forced past the gate)" after
// a forced move); alias list and history print a table (alias list: a row per alias and per
// protected alias that points nowhere yet, with its PROTECTION), or with --json an array of
// objects (alias: model, alias, version, updated_at; history: id, model, alias,
// from_version, to_version, actor, reason, at, forced). history --at prints the version
// number alone (with --json an object: model, alias, at, version). alias protect prints
// "ALIAS of NAME protected: REQUIREMENTS", unprotect "ALIAS of NAME unprotected", protections
// a table (or an array of protection objects, registry/record_json.h).
absl::Status RunAlias(const AliasOptions& options);
absl::Status RunHistory(const HistoryOptions& options);
// Prints "ALIAS: FROM -> TO". Fails when the alias has no earlier version.
absl::Status RunRollback(const RollbackOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_ALIAS_COMMAND_H_
