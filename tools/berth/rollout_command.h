// Rollouts, recorded in the registry for the server's controller to carry out:
//   berth rollout start NAME --alias ALIAS --candidate VERSION [--canary PERCENT] [--shadow]
//                       [--max-error-rate R] [--max-p99-ratio X] [--min-requests N]
//                       [--bake-secs S] [--force --reason TEXT]
//   berth rollout status NAME [--json]     every rollout of the model, oldest first
//   berth rollout abort NAME [--alias ALIAS] [--reason TEXT]
#ifndef BERTH_TOOLS_BERTH_ROLLOUT_COMMAND_H_
#define BERTH_TOOLS_BERTH_ROLLOUT_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry/types.h"
#include "registry_cli.h"

namespace berth::cli {

struct RolloutOptions {
  RegistryFlags registry;
  registry::RolloutSpec spec;  // model and alias double as status/abort's NAME and --alias
  std::string reason;          // abort: why; start: why it is forced
  bool force = false;          // start: past the alias's gate
  bool json = false;
  CLI::App* start_cmd = nullptr;  // which subcommand ran
  CLI::App* status_cmd = nullptr;
  CLI::App* abort_cmd = nullptr;
};

// Adds the subcommand to `app`, binding its flags to `options` (which must outlive `app`).
CLI::App* AddRolloutCommand(CLI::App& app, RolloutOptions* options);

// start prints "rollout ID started: ..."; status a table, or with --json an array of rollout
// objects (id, model, alias, candidate, baseline, state, canary_percent, shadow,
// max_error_rate, max_p99_ratio, min_requests, bake_secs, reason, actor, started_at,
// ended_at, forced, force_reason); abort prints "rollout ID aborted".
absl::Status RunRollout(const RolloutOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_ROLLOUT_COMMAND_H_
