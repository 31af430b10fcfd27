#include "rollout_command.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "registry_access.h"

namespace berth::cli {
namespace {

using registry::Rfc3339Utc;
using registry::Rollout;

absl::Status RunStart(RegistryAccess& registry, const RolloutOptions& options) {
  ASSIGN_OR_RETURN(Rollout r, registry.StartRollout(options.spec, Actor(options.registry),
                                                    {options.force, options.reason}));
  PrintLine(
      fmt::format("rollout {} started: model {} alias {}, candidate {} against baseline {}, "
                  "{} {}%{}",
                  r.id, r.spec.model, r.spec.alias, r.spec.candidate, r.baseline,
                  r.spec.shadow ? "shadowing" : "canary", r.spec.canary_percent,
                  r.forced ? " (forced past the gate)" : ""));
  return absl::OkStatus();
}

absl::Status RunStatus(RegistryAccess& registry, const RolloutOptions& options) {
  ASSIGN_OR_RETURN(std::vector<Rollout> rollouts, registry.Rollouts(options.spec.model));
  if (options.json) {
    JsonWriter w;
    w.BeginArray();
    for (const Rollout& r : rollouts) WriteRolloutJson(w, r);
    w.EndArray();
    PrintLine(w.str());
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Rollout& r : rollouts) {
    rows.push_back({absl::StrCat(r.id), r.spec.alias, std::string(RolloutStateName(r.state)),
                    absl::StrCat(r.spec.candidate), absl::StrCat(r.baseline),
                    fmt::format("{}%{}", r.spec.canary_percent, r.spec.shadow ? " shadow" : ""),
                    Rfc3339Utc(r.started_at), r.ended_at ? Rfc3339Utc(*r.ended_at) : "-",
                    r.forced ? "yes" : "-", r.reason});
  }
  PrintTable({"ID", "ALIAS", "STATE", "CANDIDATE", "BASELINE", "TRAFFIC", "STARTED_AT", "ENDED_AT",
              "FORCED", "REASON"},
             rows);
  return absl::OkStatus();
}

}  // namespace

CLI::App* AddRolloutCommand(CLI::App& app, RolloutOptions* options) {
  CLI::App* cmd = app.add_subcommand("rollout", "Start, inspect or abort a rollout");
  cmd->require_subcommand(1);
  registry::RolloutSpec& spec = options->spec;
  spec.alias = "production";

  CLI::App* start = options->start_cmd =
      cmd->add_subcommand("start", "Record a canary (or shadow) rollout of a candidate version");
  start->add_option("name", spec.model, "Model name")->required();
  start->add_option("--alias", spec.alias, "The alias the candidate should replace")->required();
  start->add_option("--candidate", spec.candidate, "Candidate version")
      ->required()
      ->check(CLI::PositiveNumber);
  start->add_option("--canary", spec.canary_percent, "Percent of traffic to the candidate")
      ->capture_default_str();
  start->add_flag("--shadow", spec.shadow,
                  "Send the candidate a copy of the traffic instead (answers not returned)");
  start
      ->add_option("--max-error-rate", spec.max_error_rate,
                   "Roll back above this candidate error rate (0..1)")
      ->capture_default_str();
  start
      ->add_option("--max-p99-ratio", spec.max_p99_ratio,
                   "Roll back when candidate p99 / baseline p99 exceeds this")
      ->capture_default_str();
  start
      ->add_option("--min-requests", spec.min_requests, "Candidate requests needed before deciding")
      ->capture_default_str();
  start->add_option("--bake-secs", spec.bake_secs, "Seconds to watch before promoting")
      ->capture_default_str();
  start->add_flag("--force", options->force,
                  "Start it although the candidate fails the alias's gate (needs --reason)");
  start->add_option("--reason", options->reason, "Why it is forced, for the record");
  AddRegistryFlags(start, &options->registry);
  AddAdminUrlFlags(start, &options->registry);

  options->status_cmd = cmd->add_subcommand("status", "List the rollouts of a model");
  options->status_cmd->add_option("name", spec.model, "Model name")->required();
  options->status_cmd->add_flag("--json", options->json, "Print a JSON array");
  AddRegistryFlags(options->status_cmd, &options->registry);
  AddAdminUrlFlags(options->status_cmd, &options->registry);

  options->abort_cmd = cmd->add_subcommand(
      "abort", "End the active rollout of an alias; the alias stays on its baseline");
  options->abort_cmd->add_option("name", spec.model, "Model name")->required();
  options->abort_cmd->add_option("--alias", spec.alias, "Alias (default production)");
  options->abort_cmd->add_option("--reason", options->reason, "Why, for the record");
  AddRegistryFlags(options->abort_cmd, &options->registry);
  AddAdminUrlFlags(options->abort_cmd, &options->registry);
  return cmd;
}

absl::Status RunRollout(const RolloutOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  if (options.start_cmd->parsed()) return RunStart(*registry, options);
  if (options.status_cmd->parsed()) return RunStatus(*registry, options);
  ASSIGN_OR_RETURN(Rollout r, registry->AbortRollout(
                                  options.spec.model, options.spec.alias, Actor(options.registry),
                                  options.reason.empty() ? "aborted by hand" : options.reason));
  PrintLine(absl::StrCat("rollout ", r.id, " aborted"));
  return absl::OkStatus();
}

}  // namespace berth::cli
