#include "registry/types.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace berth::registry {

absl::string_view RolloutStateName(RolloutState state) {
  switch (state) {
    case RolloutState::kActive:
      return "active";
    case RolloutState::kPromoted:
      return "promoted";
    case RolloutState::kRolledBack:
      return "rolled_back";
    case RolloutState::kAborted:
      return "aborted";
  }
  return "unknown";
}

absl::StatusOr<RolloutState> ParseRolloutState(absl::string_view name) {
  for (RolloutState state : {RolloutState::kActive, RolloutState::kPromoted,
                             RolloutState::kRolledBack, RolloutState::kAborted}) {
    if (RolloutStateName(state) == name) return state;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown rollout state '", name, "' (expected active, promoted, rolled_back or aborted)"));
}

std::string Rfc3339Utc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

}  // namespace berth::registry
