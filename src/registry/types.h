// The registry's records: model versions, aliases, the deployment ledger and rollouts. Plain
// values, copied freely; what each field means is said here once for the store, the facade,
// the CLI and the server.
#ifndef BERTH_REGISTRY_TYPES_H_
#define BERTH_REGISTRY_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace berth::registry {

// What a version holds besides its number and time: what AddVersion is given.
struct VersionContent {
  std::string model;
  std::string digest;          // SHA-256 of the artifact (the .onnx bytes), 64 lowercase hex digits
  int64_t size = 0;            // artifact bytes
  std::string signature_json;  // {"inputs":[...],"outputs":[...]} as the engine read them
  std::string description;
  std::map<std::string, std::string> tags;
  std::map<std::string, double> metrics;
  std::optional<int64_t> parent;  // the version this one was derived from
  std::string derivation;         // how (free text: "fine-tuned on ...", "quantized int8")
  std::string pushed_by;
};

// A document attached to a version: `kind` names what it is (kProfileDocument, ...), `body`
// is its JSON. One per kind and version; writing the kind again replaces it.
struct VersionDocument {
  std::string model;
  int64_t version = 0;
  std::string kind;
  std::string body;  // empty when listed without bodies
  int64_t size = 0;  // length of the body in characters
  std::string created_by;
  absl::Time created_at;
};

// The drift reference profile of a version (quality/profile_json.h), made by `berth profile`.
inline constexpr char kProfileDocument[] = "profile";
// A validation report (contract C1, `berth validate`): what a protected alias's gate reads.
inline constexpr char kValidationDocument[] = "validation";
// Bounds on documents.
inline constexpr size_t kMaxDocumentBytes = 16 << 20;
inline constexpr size_t kMaxDocumentKindLength = 64;

// One immutable version of a model, numbered 1, 2, ... per model in push order.
struct ModelVersion : VersionContent {
  int64_t version = 0;
  absl::Time created_at;
  // The documents attached to it, by kind, without their bodies.
  std::vector<VersionDocument> documents;
};

// A named pointer at one version of a model ("production" -> 3).
struct Alias {
  std::string model;
  std::string alias;
  int64_t version = 0;
  absl::Time updated_at;
};

// One row of the append-only deployment ledger: an alias move.
struct DeploymentRecord {
  int64_t id = 0;  // increasing in commit order
  std::string model;
  std::string alias;
  std::optional<int64_t> from_version;  // empty when the alias was created by this move
  int64_t to_version = 0;
  std::string actor;
  std::string reason;
  absl::Time at;
  // True when the move went past a protected alias's gate that refused the version
  // (`--force`); `reason` then says why the operator overrode it.
  bool forced = false;
};

// What a protected alias requires of a version before it may point there (contract C2). The
// only requirement is a passing validation report (kValidationRequirement).
inline constexpr char kValidationRequirement[] = "validation";

// A protection of `alias` of `model`: `alias set` and `rollout start` put a version behind it
// only when the version's latest validation report (kValidationDocument) passed and, when
// set, its top-1 accuracy is at least `min_accuracy` and its p99 latency at most `max_p99_ms`.
// The alias need not point anywhere yet.
struct Protection {
  std::string model;
  std::string alias;
  std::string require = kValidationRequirement;
  std::optional<double> min_accuracy;  // in [0, 1]
  std::optional<double> max_p99_ms;    // > 0
  std::string created_by;
  absl::Time created_at;
};

// An operator's override of a protected alias's gate: `force` needs a non-empty `reason`,
// which the ledger (or the rollout record) keeps beside forced=true.
struct GateOverride {
  bool force = false;
  std::string reason;
};

enum class RolloutState { kActive, kPromoted, kRolledBack, kAborted };

// "active", "promoted", "rolled_back", "aborted".
absl::string_view RolloutStateName(RolloutState state);
// The inverse of RolloutStateName; InvalidArgument naming the text otherwise.
absl::StatusOr<RolloutState> ParseRolloutState(absl::string_view name);

// What a rollout should do: send `canary_percent` of the alias's traffic (or, with `shadow`,
// a copy of it) to `candidate`, and promote or roll back on the thresholds.
struct RolloutSpec {
  std::string model;
  std::string alias;
  int64_t candidate = 0;
  double canary_percent = 10;  // 0 < p <= 100
  bool shadow = false;
  double max_error_rate = 0.01;  // 0..1: roll back above this error rate on the candidate
  double max_p99_ratio = 1.5;    // > 0: roll back when candidate p99 / baseline p99 exceeds it
  int64_t min_requests = 100;    // >= 0: decide only after this many candidate requests
  int64_t bake_secs = 300;       // >= 0: and after this long
};

// A recorded rollout: its spec, the baseline (the alias's version when it started) and state.
struct Rollout {
  int64_t id = 0;
  RolloutSpec spec;
  int64_t baseline = 0;
  RolloutState state = RolloutState::kActive;
  std::string reason;  // why it ended (empty while active)
  std::string actor;   // who started it
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  // True when the candidate went past the alias's gate by force; `force_reason` says why.
  bool forced = false;
  std::string force_reason;
};

// What one server saw of one arm (baseline or candidate) of a rollout, as it shares it with
// the fleet through the registry (the leader judges on the sum of every server's). Registry
// code does not know the bucket scheme (rollout/canary_analysis.h, LatencyHistogram): it
// only stores the counts by bucket index.
struct ArmObservation {
  int64_t requests = 0;  // requests on the arm since the rollout began on the server
  int64_t errors = 0;    // of which failed (0 <= errors <= requests)
  // Latencies of the successful requests: bucket index -> count, sparse (no zero counts);
  // indexes in [0, kMaxObservationBuckets), counts summing to at most `requests`.
  std::map<int, int64_t> latency_buckets;
};

// One server's figures of a rollout's two arms.
struct ObservationSnapshot {
  ArmObservation baseline;
  ArmObservation candidate;
};

// A server's latest snapshot of a rollout (a row of rollout_observations).
struct ServerObservation {
  int64_t rollout_id = 0;
  std::string server;  // who published it (serving's server id: hostname:pid:hex)
  ObservationSnapshot snapshot;
  absl::Time updated_at;
};

// Bounds on what a server may publish: the server id's length (printable ASCII only) and
// the number of latency buckets an arm may have (so a stored row stays a few KiB).
inline constexpr size_t kMaxServerIdLength = 256;
inline constexpr int kMaxObservationBuckets = 256;

// What the fleet last announced of an alias (alias.moved, rollout.started): the route the
// leading server published when it last sent that alias's events (serving/rollout_events.h),
// so that a new leader announces what the old one did not. A row of announced_routes.
struct AnnouncedRoute {
  std::string model;
  std::string alias;
  int64_t version = 0;                // the version the alias served
  std::optional<int64_t> rollout_id;  // the rollout routed on the alias, if any
  absl::Time announced_at;            // set by the store when it records the row
};

// Time as RFC 3339 UTC with microseconds: "2026-12-06T21:55:10.123456Z".
std::string Rfc3339Utc(absl::Time time);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_TYPES_H_
