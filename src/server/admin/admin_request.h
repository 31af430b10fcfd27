// The JSON bodies of the management API's writes, parsed and checked before the registry is
// touched. Each body is one JSON object; a member a body does not take is refused by name
// (so that a typo never silently falls back to a default), and so is a member of the wrong
// type. "actor" (who acts, for the ledger) is optional everywhere: kDefaultActor otherwise.
#ifndef BERTH_SERVER_ADMIN_ADMIN_REQUEST_H_
#define BERTH_SERVER_ADMIN_ADMIN_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/types.h"

namespace berth::server::admin {

inline constexpr char kDefaultActor[] = "admin-api";
// The largest JSON body a management call may send.
inline constexpr size_t kMaxJsonBodyBytes = size_t{1} << 20;
// The longest actor and reason accepted.
inline constexpr size_t kMaxActorLength = 256;
inline constexpr size_t kMaxReasonLength = 4096;

// PUT /v1/models/{m}/aliases/{alias}: {"version": N, "reason": "...", "actor": "...",
// "force": false}. "force" overrides a protected alias's gate and needs a reason.
struct SetAliasRequest {
  int64_t version = 0;  // required, >= 1
  std::string reason;
  std::string actor = kDefaultActor;
  bool force = false;
};

// POST .../rollback and .../rollouts/abort: {"alias": "production", "reason": ..., "actor": ...}.
struct AliasActionRequest {
  std::string alias = "production";  // validated (ValidateAliasName)
  std::string reason;
  std::string actor = kDefaultActor;
};

// POST .../rollouts: the fields of `berth rollout start` ("alias" defaults to production,
// "candidate" is required; the others default as registry::RolloutSpec does), "actor", and
// "force" with "reason" to force the candidate past a protected alias's gate.
struct StartRolloutRequest {
  registry::RolloutSpec spec;  // spec.model is left empty: it comes from the path
  std::string actor = kDefaultActor;
  registry::GateOverride override;
};

// PUT /v1/models/{m}/protections/{alias}: {"require": "validation", "min_accuracy": X,
// "max_p99_ms": Y, "actor": "..."}; "require" is required, the figures optional.
struct ProtectRequest {
  registry::Protection protection;  // model and alias are left empty: they come from the path
};

// InvalidArgument naming what was wrong: not a JSON object (or larger than
// kMaxJsonBodyBytes), an unknown member, a member of the wrong type, a missing required one,
// an invalid alias, a version number below 1, an actor or reason that is too long or holds
// control characters.
absl::StatusOr<SetAliasRequest> ParseSetAliasRequest(absl::string_view body);
absl::StatusOr<AliasActionRequest> ParseAliasActionRequest(absl::string_view body);
absl::StatusOr<StartRolloutRequest> ParseStartRolloutRequest(absl::string_view body);
// Also InvalidArgument for a missing "require" (its value is checked by the registry).
absl::StatusOr<ProtectRequest> ParseProtectRequest(absl::string_view body);

}  // namespace berth::server::admin

#endif  // BERTH_SERVER_ADMIN_ADMIN_REQUEST_H_
