// Which of the servers following one registry takes the fleet-wide decisions (a rollout's
// promote or roll back, the fleet's alias and rollout events). On PostgreSQL the leader is
// the process holding a session-level advisory lock on a connection of its own: the lock
// lives as long as that connection, so when the leader dies (or its connection does) the
// database releases it and the next server to ask takes it. On SQLite (one machine) every
// server leads, as before there was a fleet.
//
// Thread safety: a Leadership is used by one thread (the registry follower's rounds).
#ifndef BERTH_REGISTRY_LEADERSHIP_H_
#define BERTH_REGISTRY_LEADERSHIP_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace berth::registry {

// The advisory lock key of the fleet's leader ("berthL" in ASCII); distinct from the key
// registry writers take for their transactions.
inline constexpr int64_t kLeaderLockKey = 0x62657274684C;

class Leadership {
 public:
  virtual ~Leadership() = default;
  // Whether this process leads now. A leader checks that its lock's connection is alive; a
  // non-leader tries to take the lock without waiting (pg_try_advisory_lock), reconnecting
  // first when it has no connection. Never throws or blocks longer than a connection attempt
  // (a few seconds at most); a failure of the database answers false.
  virtual bool Lead() = 0;
};

// For the registry at `uri` (sqlite:PATH or postgresql://...): on PostgreSQL a lock holder
// whose connection opens lazily on the first Lead; on SQLite one that always leads.
// InvalidArgument for any other URI.
absl::StatusOr<std::unique_ptr<Leadership>> OpenLeadership(const std::string& uri);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_LEADERSHIP_H_
