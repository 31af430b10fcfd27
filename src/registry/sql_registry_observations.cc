// SqlRegistryStore: what each server saw of an active rollout's arms (rollout_observations),
// one row per rollout and server, replaced by each publish. The latency histograms are
// stored as text, "bucket:count" pairs by increasing bucket joined by commas ("" when
// empty), a few KiB at most (kMaxObservationBuckets pairs).
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "registry/sql_registry_store.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

// The longest stored histogram text: every bucket with a 19-digit count.
constexpr size_t kMaxLatencyTextBytes = kMaxObservationBuckets * 24;

absl::Status ValidateServerId(const std::string& server) {
  if (server.empty() || server.size() > kMaxServerIdLength) {
    return absl::InvalidArgumentError(absl::StrCat("server id '", server.substr(0, 80),
                                                   "' must have 1 to ", kMaxServerIdLength,
                                                   " characters"));
  }
  for (char c : server) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(
          absl::StrCat("server id '", server.substr(0, 80), "' has a non-printable character"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateArm(const ArmObservation& arm, absl::string_view name) {
  if (arm.requests < 0 || arm.errors < 0 || arm.errors > arm.requests) {
    return absl::InvalidArgumentError(absl::StrCat(name, " arm: ", arm.errors, " errors of ",
                                                   arm.requests,
                                                   " requests (need 0 <= errors <= requests)"));
  }
  if (arm.latency_buckets.size() > static_cast<size_t>(kMaxObservationBuckets)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " arm: ", arm.latency_buckets.size(),
                                                   " latency buckets, more than ",
                                                   kMaxObservationBuckets));
  }
  int64_t latencies = 0;
  for (const auto& [bucket, count] : arm.latency_buckets) {
    if (bucket < 0 || bucket >= kMaxObservationBuckets) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " arm: latency bucket ", bucket, " is outside [0, ", kMaxObservationBuckets, ")"));
    }
    if (count <= 0 || count > arm.requests - latencies) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " arm: latency bucket ", bucket, " has count ", count,
          " (counts must be positive and sum to at most the ", arm.requests, " requests)"));
    }
    latencies += count;
  }
  return absl::OkStatus();
}

absl::Status ValidateSnapshot(const ObservationSnapshot& s) {
  RETURN_IF_ERROR(ValidateArm(s.baseline, "baseline"));
  return ValidateArm(s.candidate, "candidate");
}

std::string LatencyText(const ArmObservation& arm) {
  std::string text;
  for (const auto& [bucket, count] : arm.latency_buckets) {
    absl::StrAppend(&text, text.empty() ? "" : ",", bucket, ":", count);
  }
  return text;
}

absl::StatusOr<std::map<int, int64_t>> ParseLatencyText(const std::string& text) {
  std::map<int, int64_t> buckets;
  if (text.empty()) return buckets;
  if (text.size() > kMaxLatencyTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat("latency histogram of ", text.size(),
                                                   " bytes is longer than ", kMaxLatencyTextBytes));
  }
  int last = -1;
  for (absl::string_view pair : absl::StrSplit(text, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(pair, ':');
    int bucket = 0;
    int64_t count = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &bucket) ||
        !absl::SimpleAtoi(parts[1], &count) || bucket <= last) {
      return absl::InvalidArgumentError(
          absl::StrCat("latency histogram entry '", pair.substr(0, 40),
                       "' is not bucket:count with buckets increasing"));
    }
    buckets[bucket] = count;
    last = bucket;
  }
  return buckets;
}

absl::StatusOr<ArmObservation> ArmFromColumns(const SqlValue& requests, const SqlValue& errors,
                                              const SqlValue& latency, absl::string_view name) {
  ArmObservation arm;
  arm.requests = AsInt(requests);
  arm.errors = AsInt(errors);
  absl::StatusOr<std::map<int, int64_t>> buckets = ParseLatencyText(AsText(latency));
  if (!buckets.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " arm: ", buckets.status().message()));
  }
  arm.latency_buckets = *std::move(buckets);
  return arm;
}

absl::StatusOr<ServerObservation> ObservationFromRow(int64_t rollout_id, const SqlRow& row) {
  ServerObservation o;
  o.rollout_id = rollout_id;
  o.server = AsText(row[0]);
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(o.snapshot.baseline, ArmFromColumns(row[1], row[2], row[3], "baseline"));
    ASSIGN_OR_RETURN(o.snapshot.candidate, ArmFromColumns(row[4], row[5], row[6], "candidate"));
    return ValidateSnapshot(o.snapshot);
  }();
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("the figures of rollout ", rollout_id, " from server '",
                                            o.server.substr(0, 80),
                                            "' are malformed: ", status.message()));
  }
  o.updated_at = AsTime(row[7]);
  return o;
}

}  // namespace

absl::Status SqlRegistryStore::PutRolloutObservation(int64_t rollout_id, const std::string& server,
                                                     const ObservationSnapshot& snapshot) {
  RETURN_IF_ERROR(ValidateServerId(server));
  absl::Status valid = ValidateSnapshot(snapshot);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the figures of rollout ", rollout_id,
                                                   " from server '", server,
                                                   "' are out of bounds: ", valid.message()));
  }
  const ArmObservation& b = snapshot.baseline;
  const ArmObservation& c = snapshot.candidate;
  return InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<SqlRow> state,
                     db_->Query("SELECT state FROM rollouts WHERE id = $1", {rollout_id}));
    if (state.empty()) return absl::NotFoundError(absl::StrCat("no rollout ", rollout_id));
    if (AsText(state[0][0]) != RolloutStateName(RolloutState::kActive)) {
      return absl::FailedPreconditionError(
          absl::StrCat("rollout ", rollout_id, " has ended (", AsText(state[0][0]), ")"));
    }
    // No change counter bump: only the judging server reads these rows.
    return db_
        ->Query(
            "INSERT INTO rollout_observations (rollout_id, server, baseline_requests,"
            " baseline_errors, baseline_latency, candidate_requests, candidate_errors,"
            " candidate_latency, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT (rollout_id, server) DO UPDATE SET"
            " baseline_requests = excluded.baseline_requests,"
            " baseline_errors = excluded.baseline_errors,"
            " baseline_latency = excluded.baseline_latency,"
            " candidate_requests = excluded.candidate_requests,"
            " candidate_errors = excluded.candidate_errors,"
            " candidate_latency = excluded.candidate_latency,"
            " updated_at = excluded.updated_at",
            {rollout_id, server, b.requests, b.errors, LatencyText(b), c.requests, c.errors,
             LatencyText(c), TimeValue(absl::Now())})
        .status();
  });
}

absl::StatusOr<std::vector<ServerObservation>> SqlRegistryStore::ListRolloutObservations(
    int64_t rollout_id) {
  std::vector<SqlRow> rows;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(rows, db_->Query("SELECT server, baseline_requests, baseline_errors,"
                                      " baseline_latency, candidate_requests, candidate_errors,"
                                      " candidate_latency, updated_at FROM rollout_observations"
                                      " WHERE rollout_id = $1 ORDER BY server",
                                      {rollout_id}));
    return absl::OkStatus();
  }));
  std::vector<ServerObservation> observations;
  for (const SqlRow& row : rows) {
    ASSIGN_OR_RETURN(ServerObservation o, ObservationFromRow(rollout_id, row));
    observations.push_back(std::move(o));
  }
  return observations;
}

}  // namespace berth::registry
