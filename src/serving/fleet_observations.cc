#include "serving/fleet_observations.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace berth::serving {
namespace {

static_assert(rollout::LatencyHistogram::kBuckets <= registry::kMaxObservationBuckets,
              "the registry must hold every bucket of the histogram");

std::string MakeServerId() {
  char host[256] = {};
  std::string name = gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0'
                         ? std::string(host)
                         : std::string("unknown-host");
  if (name.size() > 200) name.resize(200);
  for (char& c : name) {
    if (c <= 0x20 || c > 0x7e) c = '?';
  }
  std::random_device random;
  const uint64_t nonce = (static_cast<uint64_t>(random()) << 32) ^ random();
  return absl::StrFormat("%s:%d:%016x", name, static_cast<int>(getpid()), nonce);
}

registry::ArmObservation ToArm(const rollout::ArmStats& arm) {
  registry::ArmObservation out;
  out.requests = arm.requests;
  out.errors = arm.errors;
  for (int b = 0; b < rollout::LatencyHistogram::kBuckets; ++b) {
    if (arm.latency.at(b) > 0) out.latency_buckets[b] = arm.latency.at(b);
  }
  return out;
}

absl::StatusOr<rollout::ArmStats> FromArm(const registry::ArmObservation& arm) {
  rollout::ArmStats out;
  out.requests = arm.requests;
  out.errors = arm.errors;
  for (const auto& [bucket, count] : arm.latency_buckets) {
    RETURN_IF_ERROR(out.latency.AddToBucket(bucket, count));
  }
  return out;
}

}  // namespace

const std::string& ProcessServerId() {
  static const std::string* id = new std::string(MakeServerId());
  return *id;
}

registry::ObservationSnapshot ToSnapshot(const rollout::RolloutObservation& o) {
  return {ToArm(o.baseline), ToArm(o.candidate)};
}

absl::StatusOr<rollout::RolloutObservation> FromSnapshot(const registry::ServerObservation& row) {
  absl::StatusOr<rollout::ArmStats> baseline = FromArm(row.snapshot.baseline);
  absl::StatusOr<rollout::ArmStats> candidate = FromArm(row.snapshot.candidate);
  if (!baseline.ok() || !candidate.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the figures of rollout ", row.rollout_id, " from server '", row.server,
                     "' do not fit this server's histogram: ",
                     (baseline.ok() ? candidate.status() : baseline.status()).message()));
  }
  rollout::RolloutObservation o;
  o.baseline = *std::move(baseline);
  o.candidate = *std::move(candidate);
  return o;
}

absl::StatusOr<rollout::RolloutObservation> FleetObservation(
    const std::vector<registry::ServerObservation>& rows, const std::string& server_id,
    const rollout::RolloutObservation& own) {
  std::vector<rollout::RolloutObservation> parts = {own};
  for (const registry::ServerObservation& row : rows) {
    if (row.server == server_id) continue;  // `own` is fresher
    ASSIGN_OR_RETURN(rollout::RolloutObservation part, FromSnapshot(row));
    parts.push_back(std::move(part));
  }
  return rollout::Sum(parts);
}

}  // namespace berth::serving
