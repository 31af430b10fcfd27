// SqlRegistryStore: rollouts (start, read, finish). A partial unique index
// (one_active_rollout) backs the one-active-rollout-per-alias rule that StartRollout checks.
#include <cmath>
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

constexpr const char* kRolloutColumns =
    "SELECT id, alias, candidate, baseline, canary_percent, shadow, max_error_rate,"
    " max_p99_ratio, min_requests, bake_secs, state, reason, actor, started_at, ended_at,"
    " forced, force_reason FROM rollouts WHERE model_id = $1";

absl::Status ValidateSpec(const RolloutSpec& spec) {
  RETURN_IF_ERROR(ValidateModelName(spec.model));
  RETURN_IF_ERROR(ValidateAliasName(spec.alias));
  if (spec.candidate < 1) {
    return absl::InvalidArgumentError("rollout candidate must be a version number (1, 2, ...)");
  }
  if (!(spec.canary_percent > 0 && spec.canary_percent <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("canary percent ", spec.canary_percent, " is outside (0, 100]"));
  }
  if (!(spec.max_error_rate >= 0 && spec.max_error_rate <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max error rate ", spec.max_error_rate, " is outside [0, 1]"));
  }
  if (!(spec.max_p99_ratio > 0) || !std::isfinite(spec.max_p99_ratio)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max p99 ratio ", spec.max_p99_ratio, " must be a positive number"));
  }
  if (spec.min_requests < 0) return absl::InvalidArgumentError("min requests is negative");
  if (spec.bake_secs < 0) return absl::InvalidArgumentError("bake seconds is negative");
  return absl::OkStatus();
}

absl::StatusOr<Rollout> RolloutFromRow(const std::string& model, const SqlRow& row) {
  Rollout r;
  r.id = AsInt(row[0]);
  r.spec.model = model;
  r.spec.alias = AsText(row[1]);
  r.spec.candidate = AsInt(row[2]);
  r.baseline = AsInt(row[3]);
  r.spec.canary_percent = AsDouble(row[4]);
  r.spec.shadow = AsInt(row[5]) != 0;
  r.spec.max_error_rate = AsDouble(row[6]);
  r.spec.max_p99_ratio = AsDouble(row[7]);
  r.spec.min_requests = AsInt(row[8]);
  r.spec.bake_secs = AsInt(row[9]);
  ASSIGN_OR_RETURN(r.state, ParseRolloutState(AsText(row[10])));
  r.reason = AsText(row[11]);
  r.actor = AsText(row[12]);
  r.started_at = AsTime(row[13]);
  if (AsOptionalInt(row[14]).has_value()) r.ended_at = AsTime(row[14]);
  r.forced = AsInt(row[15]) != 0;
  r.force_reason = AsText(row[16]);
  return r;
}

std::string ActiveRolloutText(const Rollout& r) {
  return absl::StrCat("alias '", r.spec.alias, "' of model '", r.spec.model,
                      "' already has an active rollout (id ", r.id, ", candidate version ",
                      r.spec.candidate, ", started ", Rfc3339Utc(r.started_at), " by ", r.actor,
                      ")");
}

}  // namespace

absl::StatusOr<std::vector<Rollout>> SqlRegistryStore::ReadRollouts(
    int64_t model_id, const std::string& model, const std::optional<std::string>& alias,
    bool active_only) {
  std::vector<SqlValue> params = {model_id};
  std::string sql = kRolloutColumns;
  if (alias.has_value()) {
    params.push_back(*alias);
    sql += " AND alias = $2";
  }
  if (active_only) sql += " AND state = 'active'";
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows, db_->Query(sql + " ORDER BY id", params));
  std::vector<Rollout> rollouts;
  for (const SqlRow& row : rows) {
    ASSIGN_OR_RETURN(Rollout r, RolloutFromRow(model, row));
    rollouts.push_back(std::move(r));
  }
  return rollouts;
}

absl::Status SqlRegistryStore::CloseRollout(int64_t id, RolloutState state,
                                            const std::string& reason, absl::Time now) {
  RETURN_IF_ERROR(
      db_->Query("UPDATE rollouts SET state = $1, reason = $2, ended_at = $3 WHERE id = $4",
                 {std::string(RolloutStateName(state)), reason, TimeValue(now), id})
          .status());
  // The servers' figures served its verdict; an ended rollout keeps none.
  return db_->Query("DELETE FROM rollout_observations WHERE rollout_id = $1", {id}).status();
}

absl::Status SqlRegistryStore::AbortRolloutOnManualMove(int64_t model_id, const std::string& model,
                                                        const std::string& alias,
                                                        const std::string& how) {
  ASSIGN_OR_RETURN(std::vector<Rollout> active,
                   ReadRollouts(model_id, model, alias, /*active_only=*/true));
  for (const Rollout& r : active) {
    RETURN_IF_ERROR(CloseRollout(r.id, RolloutState::kAborted,
                                 absl::StrCat("alias moved by hand (", how, ")"), absl::Now()));
  }
  return absl::OkStatus();  // the caller's alias move bumps the change counter
}

absl::StatusOr<Rollout> SqlRegistryStore::StartRollout(const RolloutSpec& spec,
                                                       const std::string& actor,
                                                       const GateOverride& override) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  RETURN_IF_ERROR(ValidateOverride(override));
  Rollout started;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(spec.model));
    ASSIGN_OR_RETURN(std::optional<int64_t> baseline, CurrentAlias(model_id, spec.alias));
    if (!baseline.has_value()) {
      return absl::NotFoundError(absl::StrCat("model '", spec.model, "' has no alias '", spec.alias,
                                              "'; set it before a rollout"));
    }
    RETURN_IF_ERROR(RequireVersion(model_id, spec.model, spec.candidate));
    if (*baseline == spec.candidate) {
      return absl::InvalidArgumentError(absl::StrCat("alias '", spec.alias, "' of model '",
                                                     spec.model, "' already points at version ",
                                                     spec.candidate));
    }
    ASSIGN_OR_RETURN(std::vector<Rollout> active,
                     ReadRollouts(model_id, spec.model, spec.alias, /*active_only=*/true));
    if (!active.empty()) return absl::FailedPreconditionError(ActiveRolloutText(active[0]));
    ASSIGN_OR_RETURN(bool forced,
                     PassGate(model_id, spec.model, spec.alias, spec.candidate, override));
    ASSIGN_OR_RETURN(
        std::vector<SqlRow> rows,
        db_->Query("INSERT INTO rollouts (model_id, alias, candidate, baseline, canary_percent,"
                   " shadow, max_error_rate, max_p99_ratio, min_requests, bake_secs, state,"
                   " reason, actor, started_at, forced, force_reason) VALUES ($1, $2, $3, $4,"
                   " $5, $6, $7, $8, $9, $10, 'active', '', $11, $12, $13, $14) RETURNING id",
                   {model_id, spec.alias, spec.candidate, *baseline, spec.canary_percent,
                    int64_t{spec.shadow ? 1 : 0}, spec.max_error_rate, spec.max_p99_ratio,
                    spec.min_requests, spec.bake_secs, actor, TimeValue(absl::Now()),
                    int64_t{forced ? 1 : 0}, forced ? override.reason : std::string()}));
    RETURN_IF_ERROR(BumpChangeCounter());
    ASSIGN_OR_RETURN(std::vector<Rollout> inserted,
                     ReadRollouts(model_id, spec.model, spec.alias, /*active_only=*/true));
    if (inserted.empty() || inserted[0].id != AsInt(rows[0][0])) {
      return absl::InternalError("the rollout just started cannot be read back");
    }
    started = inserted[0];
    return absl::OkStatus();
  }));
  return started;
}

absl::StatusOr<std::optional<Rollout>> SqlRegistryStore::ActiveRollout(const std::string& model,
                                                                       const std::string& alias) {
  RETURN_IF_ERROR(ValidateModelName(model));
  RETURN_IF_ERROR(ValidateAliasName(alias));
  std::optional<Rollout> active;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<Rollout> rows,
                     ReadRollouts(model_id, model, alias, /*active_only=*/true));
    if (!rows.empty()) active = rows[0];
    return absl::OkStatus();
  }));
  return active;
}

absl::StatusOr<std::vector<Rollout>> SqlRegistryStore::ListRollouts(const std::string& model) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<Rollout> rollouts;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(rollouts, ReadRollouts(model_id, model, std::nullopt, false));
    return absl::OkStatus();
  }));
  return rollouts;
}

absl::StatusOr<Rollout> SqlRegistryStore::FinishRollout(const std::string& model,
                                                        const std::string& alias,
                                                        RolloutState final_state,
                                                        const std::string& actor,
                                                        const std::string& reason) {
  RETURN_IF_ERROR(ValidateModelName(model));
  RETURN_IF_ERROR(ValidateAliasName(alias));
  if (final_state == RolloutState::kActive) {
    return absl::InvalidArgumentError("a rollout cannot be finished in state 'active'");
  }
  Rollout finished;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(std::vector<Rollout> active,
                     ReadRollouts(model_id, model, alias, /*active_only=*/true));
    if (active.empty()) {
      return absl::NotFoundError(
          absl::StrCat("alias '", alias, "' of model '", model, "' has no active rollout"));
    }
    finished = active[0];
    if (final_state == RolloutState::kPromoted) {
      ASSIGN_OR_RETURN(std::optional<int64_t> current, CurrentAlias(model_id, alias));
      std::string why =
          reason.empty() ? absl::StrCat("rollout ", finished.id, " promoted") : reason;
      if (finished.forced) {
        absl::StrAppend(&why, " (its candidate was forced past the gate: ", finished.force_reason,
                        ")");
      }
      RETURN_IF_ERROR(MoveAlias(model_id, model, alias, current, finished.spec.candidate, actor,
                                why, finished.forced)
                          .status());
    } else if (final_state == RolloutState::kRolledBack) {
      // The alias stays; the ledger says so, and why (a row from the version to itself).
      ASSIGN_OR_RETURN(std::optional<int64_t> current, CurrentAlias(model_id, alias));
      if (current) {
        std::string why = absl::StrCat("rollout ", finished.id, " of version ",
                                       finished.spec.candidate, " rolled back: ", reason);
        RETURN_IF_ERROR(MoveAlias(model_id, model, alias, current, *current, actor, why).status());
      }
    }
    const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
    RETURN_IF_ERROR(CloseRollout(finished.id, final_state, reason, now));
    RETURN_IF_ERROR(BumpChangeCounter());
    finished.state = final_state;
    finished.reason = reason;
    finished.ended_at = now;
    return absl::OkStatus();
  }));
  return finished;
}

}  // namespace berth::registry
