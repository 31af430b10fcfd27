// SqlRegistryStore: aliases and the deployment ledger (set, read, history, as-of-time,
// rollback). Every alias move appends its ledger row in the same transaction (MoveAlias).
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

absl::Status ValidateModelAndAlias(const std::string& model, const std::string& alias) {
  RETURN_IF_ERROR(ValidateModelName(model));
  return ValidateAliasName(alias);
}

DeploymentRecord RecordFromRow(const std::string& model, const SqlRow& row) {
  DeploymentRecord r;
  r.id = AsInt(row[0]);
  r.model = model;
  r.alias = AsText(row[1]);
  r.from_version = AsOptionalInt(row[2]);
  r.to_version = AsInt(row[3]);
  r.actor = AsText(row[4]);
  r.reason = AsText(row[5]);
  r.at = AsTime(row[6]);
  r.forced = AsInt(row[7]) != 0;
  return r;
}

constexpr const char* kLedgerColumns =
    "SELECT id, alias, from_version, to_version, actor, reason, at, forced FROM deployments"
    " WHERE model_id = $1";

}  // namespace

absl::StatusOr<std::optional<int64_t>> SqlRegistryStore::CurrentAlias(int64_t model_id,
                                                                      const std::string& alias) {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT version FROM aliases WHERE model_id = $1 AND alias = $2",
                              {model_id, alias}));
  if (rows.empty()) return std::nullopt;
  return AsInt(rows[0][0]);
}

absl::StatusOr<DeploymentRecord> SqlRegistryStore::MoveAlias(
    int64_t model_id, const std::string& model, const std::string& alias,
    std::optional<int64_t> from, int64_t to, const std::string& actor, const std::string& reason,
    bool forced) {
  const SqlValue now = TimeValue(absl::Now());
  RETURN_IF_ERROR(db_->Query("INSERT INTO aliases (model_id, alias, version, updated_at)"
                             " VALUES ($1, $2, $3, $4) ON CONFLICT (model_id, alias)"
                             " DO UPDATE SET version = excluded.version,"
                             " updated_at = excluded.updated_at",
                             {model_id, alias, to, now})
                      .status());
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("INSERT INTO deployments (model_id, alias, from_version, to_version,"
                              " actor, reason, at, forced) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                              " RETURNING id, alias, from_version, to_version, actor, reason, at,"
                              " forced",
                              {model_id, alias, OptionalIntValue(from), to, actor, reason, now,
                               int64_t{forced ? 1 : 0}}));
  RETURN_IF_ERROR(BumpChangeCounter());
  return RecordFromRow(model, rows[0]);
}

absl::StatusOr<DeploymentRecord> SqlRegistryStore::SetAlias(const std::string& model,
                                                            const std::string& alias,
                                                            int64_t version,
                                                            const std::string& actor,
                                                            const std::string& reason, bool force) {
  RETURN_IF_ERROR(ValidateModelAndAlias(model, alias));
  RETURN_IF_ERROR(ValidateOverride(GateOverride{force, reason}));
  DeploymentRecord record;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    RETURN_IF_ERROR(RequireVersion(model_id, model, version));
    // Nothing moves when the alias is already there, so no gate either.
    ASSIGN_OR_RETURN(std::optional<int64_t> current, CurrentAlias(model_id, alias));
    if (current == version) {
      ASSIGN_OR_RETURN(
          std::vector<SqlRow> last,
          db_->Query(absl::StrCat(kLedgerColumns, " AND alias = $2 ORDER BY id DESC LIMIT 1"),
                     {model_id, alias}));
      if (!last.empty()) {
        record = RecordFromRow(model, last[0]);
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(bool forced,
                     PassGate(model_id, model, alias, version, GateOverride{force, reason}));
    RETURN_IF_ERROR(AbortRolloutOnManualMove(model_id, model, alias, "alias set"));
    ASSIGN_OR_RETURN(record,
                     MoveAlias(model_id, model, alias, current, version, actor, reason, forced));
    return absl::OkStatus();
  }));
  return record;
}

absl::StatusOr<int64_t> SqlRegistryStore::GetAlias(const std::string& model,
                                                   const std::string& alias) {
  RETURN_IF_ERROR(ValidateModelAndAlias(model, alias));
  std::optional<int64_t> current;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(current, CurrentAlias(model_id, alias));
    return absl::OkStatus();
  }));
  if (!current.has_value()) {
    return absl::NotFoundError(absl::StrCat("model '", model, "' has no alias '", alias, "'"));
  }
  return *current;
}

absl::StatusOr<std::vector<Alias>> SqlRegistryStore::ListAliases(const std::string& model) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<Alias> aliases;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                     db_->Query("SELECT alias, version, updated_at FROM aliases"
                                " WHERE model_id = $1 ORDER BY alias",
                                {model_id}));
    for (const SqlRow& row : rows) {
      aliases.push_back(Alias{model, AsText(row[0]), AsInt(row[1]), AsTime(row[2])});
    }
    return absl::OkStatus();
  }));
  return aliases;
}

absl::StatusOr<std::vector<DeploymentRecord>> SqlRegistryStore::History(
    const std::string& model, const std::optional<std::string>& alias) {
  RETURN_IF_ERROR(ValidateModelName(model));
  if (alias.has_value()) RETURN_IF_ERROR(ValidateAliasName(*alias));
  std::vector<DeploymentRecord> records;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    std::vector<SqlValue> params = {model_id};
    if (alias.has_value()) params.push_back(*alias);
    ASSIGN_OR_RETURN(
        std::vector<SqlRow> rows,
        db_->Query(absl::StrCat(kLedgerColumns, alias ? " AND alias = $2" : "", " ORDER BY id"),
                   params));
    for (const SqlRow& row : rows) records.push_back(RecordFromRow(model, row));
    return absl::OkStatus();
  }));
  return records;
}

absl::StatusOr<int64_t> SqlRegistryStore::VersionAt(const std::string& model,
                                                    const std::string& alias, absl::Time time) {
  RETURN_IF_ERROR(ValidateModelAndAlias(model, alias));
  std::optional<int64_t> version;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                     db_->Query("SELECT to_version FROM deployments WHERE model_id = $1"
                                " AND alias = $2 AND at <= $3 ORDER BY at DESC, id DESC LIMIT 1",
                                {model_id, alias, TimeValue(time)}));
    if (!rows.empty()) version = AsInt(rows[0][0]);
    return absl::OkStatus();
  }));
  if (!version.has_value()) {
    return absl::NotFoundError(absl::StrCat("alias '", alias, "' of model '", model,
                                            "' did not exist at ", Rfc3339Utc(time)));
  }
  return *version;
}

absl::StatusOr<DeploymentRecord> SqlRegistryStore::Rollback(const std::string& model,
                                                            const std::string& alias,
                                                            const std::string& actor,
                                                            const std::string& reason) {
  RETURN_IF_ERROR(ValidateModelAndAlias(model, alias));
  DeploymentRecord record;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    // The last real move: a rolled-back rollout's row (a version to itself) moved nothing.
    ASSIGN_OR_RETURN(
        std::vector<SqlRow> last,
        db_->Query(absl::StrCat(kLedgerColumns,
                                " AND alias = $2 AND (from_version IS NULL OR"
                                " from_version <> to_version) ORDER BY id DESC LIMIT 1"),
                   {model_id, alias}));
    if (last.empty()) {
      return absl::NotFoundError(absl::StrCat("model '", model, "' has no alias '", alias, "'"));
    }
    DeploymentRecord previous = RecordFromRow(model, last[0]);
    if (!previous.from_version.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "alias '", alias, "' of model '", model, "' has no earlier version to roll back to ",
          "(its only move set it to version ", previous.to_version, ")"));
    }
    RETURN_IF_ERROR(AbortRolloutOnManualMove(model_id, model, alias, "rollback"));
    ASSIGN_OR_RETURN(record, MoveAlias(model_id, model, alias, previous.to_version,
                                       *previous.from_version, actor, reason));
    return absl::OkStatus();
  }));
  return record;
}

}  // namespace berth::registry
