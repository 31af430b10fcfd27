// The fleet's canary figures: each server's RolloutMonitor figures go to the registry as an
// ObservationSnapshot (registry/types.h, which knows nothing of the histogram's buckets), and
// the judging server sums every server's row back into one rollout::RolloutObservation.
#ifndef BERTH_SERVING_FLEET_OBSERVATIONS_H_
#define BERTH_SERVING_FLEET_OBSERVATIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/types.h"
#include "rollout/canary_analysis.h"

namespace berth::serving {

// This process's id among the servers that share figures: "hostname:pid:16 hex digits"
// (random, so that a pid reused on the same host is another server). Made once; at most
// registry::kMaxServerIdLength printable characters.
const std::string& ProcessServerId();

// The monitor's figures as the registry stores them (sparse latency buckets).
registry::ObservationSnapshot ToSnapshot(const rollout::RolloutObservation& o);
// A stored row back as figures. InvalidArgument naming the rollout and server for a bucket
// this binary's histogram does not have.
absl::StatusOr<rollout::RolloutObservation> FromSnapshot(const registry::ServerObservation& row);

// The fleet's figures of a rollout: the sum of every server's row, with `own` (this
// server's current figures) in place of the row of `server_id` (which may be older, or
// missing). Servers are counted when they had traffic (rollout::Sum). Errors as FromSnapshot.
absl::StatusOr<rollout::RolloutObservation> FleetObservation(
    const std::vector<registry::ServerObservation>& rows, const std::string& server_id,
    const rollout::RolloutObservation& own);

}  // namespace berth::serving

#endif  // BERTH_SERVING_FLEET_OBSERVATIONS_H_
