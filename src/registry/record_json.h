// The registry's records as JSON: one form per record, shared by the CLI's --json output and
// the management API (src/server/admin), so that both print the same objects, and read back
// by the CLI when it talks to that API (--admin-url).
//
//   JsonWriter w;
//   WriteVersionJson(w, version, AliasesOf(aliases, version.version));
//   ASSIGN_OR_RETURN(ModelVersion back, VersionFromJson(w.str()));
//
// The objects:
//   version:    model, version, digest, size, created_at, pushed_by, description, tags {},
//               metrics {}, parent (number or null), derivation, aliases [], signature {}
//   alias:      model, alias, version, updated_at
//   deployment: id, model, alias, from_version (number or null), to_version, actor, reason, at,
//               forced
//   rollout:    id, model, alias, candidate, baseline, state, canary_percent, shadow,
//               max_error_rate, max_p99_ratio, min_requests, bake_secs, reason, actor,
//               started_at, ended_at (or null), forced, force_reason
//   protection: model, alias, require, min_accuracy (or null), max_p99_ms (or null),
//               created_by, created_at
//   gate:       protection {}, passes, reasons [] (why the version would be refused)
//   document:   model, version, kind, size, created_by, created_at, body (the document's
//               text, as a JSON string)
// ("forced" read back as false when absent: the answer of a server older than gates.)
// Times are RFC 3339 UTC with microseconds (Rfc3339Utc), so they read back exactly.
#ifndef BERTH_REGISTRY_RECORD_JSON_H_
#define BERTH_REGISTRY_RECORD_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_writer.h"
#include "registry/gate.h"
#include "registry/types.h"

namespace berth::registry {

void WriteVersionJson(JsonWriter& w, const ModelVersion& v,
                      const std::vector<std::string>& aliases);
void WriteAliasJson(JsonWriter& w, const Alias& a);
void WriteDeploymentJson(JsonWriter& w, const DeploymentRecord& r);
void WriteRolloutJson(JsonWriter& w, const Rollout& r);
void WriteProtectionJson(JsonWriter& w, const Protection& p);
void WriteGateVerdictJson(JsonWriter& w, const GateVerdict& g);
void WriteDocumentJson(JsonWriter& w, const VersionDocument& d);

// The aliases among `aliases` that point at `version`, by name.
std::vector<std::string> AliasesOf(const std::vector<Alias>& aliases, int64_t version);

// The inverses: one object, or an array of them. InvalidArgument naming the member that is
// missing or of the wrong type when `json` is not what the writer above produces. The
// version object's "aliases" member is skipped (it is not part of ModelVersion).
absl::StatusOr<ModelVersion> VersionFromJson(std::string_view json);
absl::StatusOr<std::vector<ModelVersion>> VersionsFromJson(std::string_view json);
absl::StatusOr<std::vector<Alias>> AliasesFromJson(std::string_view json);
absl::StatusOr<DeploymentRecord> DeploymentFromJson(std::string_view json);
absl::StatusOr<std::vector<DeploymentRecord>> DeploymentsFromJson(std::string_view json);
absl::StatusOr<Rollout> RolloutFromJson(std::string_view json);
absl::StatusOr<std::vector<Rollout>> RolloutsFromJson(std::string_view json);
absl::StatusOr<Protection> ProtectionFromJson(std::string_view json);
absl::StatusOr<std::vector<Protection>> ProtectionsFromJson(std::string_view json);
absl::StatusOr<std::vector<GateVerdict>> GateVerdictsFromJson(std::string_view json);
absl::StatusOr<VersionDocument> DocumentFromJson(std::string_view json);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_RECORD_JSON_H_
