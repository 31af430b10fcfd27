// The events (monitoring/events.h) the registry follower publishes about routes and
// rollouts, built from what it observed, without I/O:
// - alias.moved: an alias's route went from one version to another (details from_version,
//   to_version). Not on the first announcement of an alias (nothing was said of it before).
// - rollout.started: a route carries a rollout it did not carry before (its candidate
//   ready, the rollout active).
// - rollout.promoted / rollout.rolled_back: this server wrote the verdict.
// "Before" is what the fleet last announced (the registry's announced routes, plus what the
// leader sent and has not recorded yet), "after" the routes the leader publishes now
// (serving/registry_follower.h). Several servers following one registry each observe the
// same moves and rollouts; only the leader (registry/leadership.h) sends these events, and
// a new leader sends what the old one did not, so the fleet sends each at least once (twice
// only when a leader dies between sending and recording).
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
// `after`, at `now`. Only each route's version and rollout id are compared; an alias
// missing from `before` has no alias.moved. `active` are the model's active rollouts (for their
// details); a rollout missing from it is announced with its route's facts only.
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
