// The events (monitoring/events.h) the registry follower publishes about routes and
// rollouts, built from what it observed, without I/O:
// - alias.moved: an alias's published route went from one version to another (details
//   from_version, to_version). Not on the first publication of an alias: a server that
//   starts has seen no move.
// - rollout.started: a route carries a rollout it did not carry before (the first time this
//   server sees it active with its candidate ready; a restarted server says it again).
// - rollout.promoted / rollout.rolled_back: this server wrote the verdict.
// Several servers following one registry each observe the same moves and rollouts; only the
// leader (registry/leadership.h) sends these events, so the fleet sends each once.
#ifndef BERTH_SERVING_ROLLOUT_EVENTS_H_
#define BERTH_SERVING_ROLLOUT_EVENTS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "monitoring/events.h"
#include "registry/types.h"
#include "rollout/routes.h"

namespace berth::serving {

// The alias.moved and rollout.started events of `model`'s routes going from `before` to
// `after`, at `now`. `active` are the model's active rollouts (for their details); a rollout
// missing from it is announced with its route's facts only.
std::vector<monitoring::Event> RouteChangeEvents(const std::string& model,
                                                 const rollout::ModelRoutes& before,
                                                 const rollout::ModelRoutes& after,
                                                 const std::vector<registry::Rollout>& active,
                                                 absl::Time now);

// The rollout.promoted or rollout.rolled_back event of `r` ending in `state` (kPromoted or
// kRolledBack) for `reason`.
monitoring::Event VerdictEvent(const registry::Rollout& r, registry::RolloutState state,
                               const std::string& reason, absl::Time now);

}  // namespace berth::serving

#endif  // BERTH_SERVING_ROLLOUT_EVENTS_H_
