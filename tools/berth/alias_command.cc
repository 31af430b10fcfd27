#include "alias_command.h"

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "registry/gate.h"
#include "registry_access.h"

namespace berth::cli {
namespace {

using registry::DeploymentRecord;
using registry::ProtectionText;
using registry::Rfc3339Utc;

std::string FromText(const DeploymentRecord& r) {
  return r.from_version ? absl::StrCat(*r.from_version) : "-";
}

std::string MoveText(const DeploymentRecord& r) {
  return absl::StrCat(r.alias, ": ", FromText(r), " -> ", r.to_version,
                      r.forced ? " (forced past the gate)" : "");
}

// The alias table: each alias with its version and protection, then the protected aliases
// that point nowhere yet.
void PrintAliasTable(const std::vector<registry::Alias>& aliases,
                     const std::vector<registry::Protection>& protections) {
  std::map<std::string, std::string> guards;
  for (const registry::Protection& p : protections) guards[p.alias] = ProtectionText(p);
  std::vector<std::vector<std::string>> rows;
  for (const registry::Alias& a : aliases) {
    auto guard = guards.find(a.alias);
    rows.push_back({a.alias, absl::StrCat(a.version), Rfc3339Utc(a.updated_at),
                    guard == guards.end() ? "-" : guard->second});
    if (guard != guards.end()) guards.erase(guard);
  }
  for (const auto& [alias, guard] : guards) rows.push_back({alias, "-", "-", guard});
  PrintTable({"ALIAS", "VERSION", "UPDATED_AT", "PROTECTION"}, rows);
}

absl::Status RunProtections(RegistryAccess& registry, const AliasOptions& options) {
  ASSIGN_OR_RETURN(std::vector<registry::Protection> protections,
                   registry.Protections(options.name));
  if (options.json) {
    JsonWriter w;
    w.BeginArray();
    for (const registry::Protection& p : protections) registry::WriteProtectionJson(w, p);
    w.EndArray();
    PrintLine(w.str());
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const registry::Protection& p : protections) {
    rows.push_back({p.alias, ProtectionText(p), p.created_by, Rfc3339Utc(p.created_at)});
  }
  PrintTable({"ALIAS", "REQUIRES", "BY", "AT"}, rows);
  return absl::OkStatus();
}

absl::Status RunProtect(RegistryAccess& registry, const AliasOptions& options) {
  registry::Protection p;
  p.model = options.name;
  p.alias = options.alias;
  p.require = options.require;
  if (options.min_accuracy_flag->count() > 0) p.min_accuracy = options.min_accuracy;
  if (options.max_p99_ms_flag->count() > 0) p.max_p99_ms = options.max_p99_ms;
  p.created_by = Actor(options.registry);
  ASSIGN_OR_RETURN(registry::Protection set, registry.Protect(p));
  PrintLine(absl::StrCat(set.alias, " of ", set.model, " protected: ", ProtectionText(set)));
  return absl::OkStatus();
}

absl::Status RunVersionAt(RegistryAccess& registry, const HistoryOptions& options) {
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, options.at, &at, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--at '", options.at, "' is not an RFC 3339 time like 2026-12-06T21:55:10Z: ", error));
  }
  const std::string alias = options.alias.empty() ? "production" : options.alias;
  ASSIGN_OR_RETURN(int64_t version, registry.VersionAt(options.name, alias, at));
  if (options.json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("model").String(options.name);
    w.Key("alias").String(alias);
    w.Key("at").String(Rfc3339Utc(at));
    w.Key("version").Int(version);
    w.EndObject();
    PrintLine(w.str());
  } else {
    PrintLine(absl::StrCat(version));
  }
  return absl::OkStatus();
}

void AddProtectCommands(CLI::App* cmd, AliasOptions* options) {
  CLI::App* protect = options->protect_cmd = cmd->add_subcommand(
      "protect", "Gate ALIAS of model NAME: only validated versions may go behind it");
  protect->add_option("name", options->name, "Model name")->required();
  protect->add_option("alias", options->alias, "Alias (need not point anywhere yet)")->required();
  protect->add_option("--require", options->require, "What a version needs: validation")
      ->required();
  options->min_accuracy_flag = protect->add_option("--min-accuracy", options->min_accuracy,
                                                   "And a top-1 accuracy of at least this (0..1)");
  options->max_p99_ms_flag = protect->add_option("--max-p99-ms", options->max_p99_ms,
                                                 "And a p99 latency of at most this (ms)");
  AddRegistryFlags(protect, &options->registry);
  AddAdminUrlFlags(protect, &options->registry);

  options->unprotect_cmd =
      cmd->add_subcommand("unprotect", "Remove the protection of ALIAS of model NAME");
  options->unprotect_cmd->add_option("name", options->name, "Model name")->required();
  options->unprotect_cmd->add_option("alias", options->alias, "Alias")->required();
  AddRegistryFlags(options->unprotect_cmd, &options->registry);
  AddAdminUrlFlags(options->unprotect_cmd, &options->registry);

  options->protections_cmd =
      cmd->add_subcommand("protections", "List the protected aliases of model NAME");
  options->protections_cmd->add_option("name", options->name, "Model name")->required();
  options->protections_cmd->add_flag("--json", options->json, "Print a JSON array");
  AddRegistryFlags(options->protections_cmd, &options->registry);
  AddAdminUrlFlags(options->protections_cmd, &options->registry);
}

}  // namespace

CLI::App* AddAliasCommand(CLI::App& app, AliasOptions* options) {
  CLI::App* cmd = app.add_subcommand("alias", "Set or list a model's aliases");
  cmd->require_subcommand(1);
  options->set_cmd = cmd->add_subcommand("set", "Point ALIAS of model NAME at VERSION");
  options->set_cmd->add_option("name", options->name, "Model name")->required();
  options->set_cmd->add_option("alias", options->alias, "Alias (not a number)")->required();
  options->set_cmd->add_option("version", options->version, "Version number")
      ->required()
      ->check(CLI::PositiveNumber);
  options->set_cmd->add_option("--reason", options->reason, "Why, for the ledger");
  options->set_cmd->add_flag("--force", options->force,
                             "Go past a protected alias's gate (needs --reason; the ledger "
                             "records it)");
  AddRegistryFlags(options->set_cmd, &options->registry);
  AddAdminUrlFlags(options->set_cmd, &options->registry);
  options->list_cmd =
      cmd->add_subcommand("list", "List the aliases of model NAME and their protections");
  options->list_cmd->add_option("name", options->name, "Model name")->required();
  options->list_cmd->add_flag("--json", options->json, "Print a JSON array instead of a table");
  AddRegistryFlags(options->list_cmd, &options->registry);
  AddAdminUrlFlags(options->list_cmd, &options->registry);
  AddProtectCommands(cmd, options);
  return cmd;
}

CLI::App* AddHistoryCommand(CLI::App& app, HistoryOptions* options) {
  CLI::App* cmd = app.add_subcommand("history", "Show every alias move of a model (the ledger)");
  cmd->add_option("name", options->name, "Model name")->required();
  cmd->add_option("--alias", options->alias, "Only this alias");
  cmd->add_option("--at", options->at,
                  "Print the version the alias (default production) had at this RFC 3339 time");
  cmd->add_flag("--json", options->json, "Print a JSON array instead of a table");
  AddRegistryFlags(cmd, &options->registry);
  AddAdminUrlFlags(cmd, &options->registry);
  return cmd;
}

CLI::App* AddRollbackCommand(CLI::App& app, RollbackOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "rollback", "Move an alias back to the version it had before its last move");
  cmd->add_option("name", options->name, "Model name")->required();
  cmd->add_option("--alias", options->alias, "Alias (default production)");
  cmd->add_option("--reason", options->reason, "Why, for the ledger");
  AddRegistryFlags(cmd, &options->registry);
  AddAdminUrlFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunAlias(const AliasOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  if (options.set_cmd->parsed()) {
    ASSIGN_OR_RETURN(DeploymentRecord moved,
                     registry->SetAlias(options.name, options.alias, options.version,
                                        Actor(options.registry), options.reason, options.force));
    PrintLine(MoveText(moved));
    return absl::OkStatus();
  }
  if (options.protect_cmd->parsed()) return RunProtect(*registry, options);
  if (options.unprotect_cmd->parsed()) {
    RETURN_IF_ERROR(registry->Unprotect(options.name, options.alias));
    PrintLine(absl::StrCat(options.alias, " of ", options.name, " unprotected"));
    return absl::OkStatus();
  }
  if (options.protections_cmd->parsed()) return RunProtections(*registry, options);
  ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry->ListAliases(options.name));
  if (options.json) {
    JsonWriter w;
    w.BeginArray();
    for (const registry::Alias& a : aliases) WriteAliasJson(w, a);
    w.EndArray();
    PrintLine(w.str());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<registry::Protection> protections,
                   registry->Protections(options.name));
  PrintAliasTable(aliases, protections);
  return absl::OkStatus();
}

absl::Status RunHistory(const HistoryOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  if (!options.at.empty()) return RunVersionAt(*registry, options);
  std::optional<std::string> alias;
  if (!options.alias.empty()) alias = options.alias;
  ASSIGN_OR_RETURN(std::vector<DeploymentRecord> records, registry->History(options.name, alias));
  if (options.json) {
    JsonWriter w;
    w.BeginArray();
    for (const DeploymentRecord& r : records) WriteDeploymentJson(w, r);
    w.EndArray();
    PrintLine(w.str());
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const DeploymentRecord& r : records) {
    rows.push_back({absl::StrCat(r.id), Rfc3339Utc(r.at), r.alias, FromText(r),
                    absl::StrCat(r.to_version), r.actor, r.forced ? "yes" : "-", r.reason});
  }
  PrintTable({"ID", "AT", "ALIAS", "FROM", "TO", "ACTOR", "FORCED", "REASON"}, rows);
  return absl::OkStatus();
}

absl::Status RunRollback(const RollbackOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  ASSIGN_OR_RETURN(DeploymentRecord moved,
                   registry->Rollback(options.name, options.alias, Actor(options.registry),
                                      options.reason.empty() ? "rollback" : options.reason));
  PrintLine(MoveText(moved));
  return absl::OkStatus();
}

}  // namespace berth::cli
