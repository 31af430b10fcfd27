// SqlRegistryStore: protected aliases (alias_protections) and their gate. The gate runs inside
// the write transaction of the alias move or rollout start it guards (PassGate), so a
// protection committed by another writer is either seen or waits for the move to commit:
// every write holds the database's writer lock.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "registry/gate.h"
#include "registry/sql_registry_store.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

constexpr const char* kProtectionColumns =
    "SELECT alias, requirement, min_accuracy, max_p99_ms, created_by, created_at"
    " FROM alias_protections WHERE model_id = $1";

Protection ProtectionFromRow(const std::string& model, const SqlRow& row) {
  Protection p;
  p.model = model;
  p.alias = AsText(row[0]);
  p.require = AsText(row[1]);
  p.min_accuracy = AsOptionalDouble(row[2]);
  p.max_p99_ms = AsOptionalDouble(row[3]);
  p.created_by = AsText(row[4]);
  p.created_at = AsTime(row[5]);
  return p;
}

}  // namespace

absl::StatusOr<std::optional<Protection>> SqlRegistryStore::ProtectionOf(int64_t model_id,
                                                                         const std::string& model,
                                                                         const std::string& alias) {
  ASSIGN_OR_RETURN(
      std::vector<SqlRow> rows,
      db_->Query(absl::StrCat(kProtectionColumns, " AND alias = $2"), {model_id, alias}));
  if (rows.empty()) return std::nullopt;
  return ProtectionFromRow(model, rows[0]);
}

absl::StatusOr<bool> SqlRegistryStore::PassGate(int64_t model_id, const std::string& model,
                                                const std::string& alias, int64_t version,
                                                const GateOverride& override) {
  RETURN_IF_ERROR(ValidateOverride(override));
  ASSIGN_OR_RETURN(std::optional<Protection> protection, ProtectionOf(model_id, model, alias));
  if (!protection.has_value()) return false;
  ASSIGN_OR_RETURN(std::optional<VersionDocument> report,
                   ReadDocument(model, version, kValidationDocument));
  absl::Status gate = CheckGate(*protection, version, report);
  if (gate.ok()) return false;
  if (!override.force) return gate;
  return true;
}

absl::StatusOr<Protection> SqlRegistryStore::Protect(const Protection& p) {
  RETURN_IF_ERROR(ValidateProtection(p));
  Protection stored = p;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(p.model));
    // A running rollout would promote its candidate past the new gate: refuse instead.
    ASSIGN_OR_RETURN(std::vector<Rollout> active,
                     ReadRollouts(model_id, p.model, p.alias, /*active_only=*/true));
    for (const Rollout& r : active) {
      if (r.forced) continue;
      ASSIGN_OR_RETURN(std::optional<VersionDocument> report,
                       ReadDocument(p.model, r.spec.candidate, kValidationDocument));
      absl::Status gate = CheckGate(p, r.spec.candidate, report);
      if (!gate.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "alias '", p.alias, "' of model '", p.model, "' has an active rollout (id ", r.id,
            ") whose candidate would not pass the protection; abort the rollout or validate "
            "the candidate first: ",
            gate.message()));
      }
    }
    const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
    RETURN_IF_ERROR(db_->Query("INSERT INTO alias_protections (model_id, alias, requirement,"
                               " min_accuracy, max_p99_ms, created_by, created_at)"
                               " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                               " ON CONFLICT (model_id, alias) DO UPDATE SET"
                               " requirement = excluded.requirement,"
                               " min_accuracy = excluded.min_accuracy,"
                               " max_p99_ms = excluded.max_p99_ms,"
                               " created_by = excluded.created_by,"
                               " created_at = excluded.created_at",
                               {model_id, p.alias, p.require, OptionalDoubleValue(p.min_accuracy),
                                OptionalDoubleValue(p.max_p99_ms), p.created_by, TimeValue(now)})
                        .status());
    stored.created_at = now;
    return BumpChangeCounter();
  }));
  return stored;
}

absl::Status SqlRegistryStore::Unprotect(const std::string& model, const std::string& alias) {
  RETURN_IF_ERROR(ValidateModelName(model));
  RETURN_IF_ERROR(ValidateAliasName(alias));
  return InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                     db_->Query("DELETE FROM alias_protections WHERE model_id = $1 AND alias = $2"
                                " RETURNING alias",
                                {model_id, alias}));
    if (rows.empty()) {
      return absl::NotFoundError(
          absl::StrCat("alias '", alias, "' of model '", model, "' is not protected"));
    }
    return BumpChangeCounter();
  });
}

absl::StatusOr<std::vector<Protection>> SqlRegistryStore::ListProtections(
    const std::string& model) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<Protection> protections;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                     db_->Query(absl::StrCat(kProtectionColumns, " ORDER BY alias"), {model_id}));
    for (const SqlRow& row : rows) protections.push_back(ProtectionFromRow(model, row));
    return absl::OkStatus();
  }));
  return protections;
}

}  // namespace berth::registry
