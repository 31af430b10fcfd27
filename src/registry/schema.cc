#include "registry/schema.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "registry/registry_store.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

// Migration N (1-based) brings the schema from version N-1 to N. Append only: a released
// migration never changes. "{id}" is the dialect's auto-increment primary key. Times are
// microseconds since the Unix epoch (UTC), comparable on both databases.
const std::vector<std::vector<const char*>>& Migrations() {
  static const auto* migrations = new std::vector<std::vector<const char*>>{
      {
          "CREATE TABLE models (id {id}, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)",
          "CREATE TABLE versions ("
          " id {id}, model_id BIGINT NOT NULL REFERENCES models(id), number BIGINT NOT NULL,"
          " digest TEXT NOT NULL, size BIGINT NOT NULL, signature TEXT NOT NULL,"
          " description TEXT NOT NULL, parent BIGINT, derivation TEXT NOT NULL,"
          " pushed_by TEXT NOT NULL, created_at BIGINT NOT NULL,"
          " UNIQUE (model_id, number))",
          "CREATE TABLE version_tags ("
          " version_id BIGINT NOT NULL REFERENCES versions(id), key TEXT NOT NULL,"
          " value TEXT NOT NULL, PRIMARY KEY (version_id, key))",
          "CREATE TABLE version_metrics ("
          " version_id BIGINT NOT NULL REFERENCES versions(id), key TEXT NOT NULL,"
          " value DOUBLE PRECISION NOT NULL, PRIMARY KEY (version_id, key))",
          "CREATE TABLE aliases ("
          " model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
          " version BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
          " PRIMARY KEY (model_id, alias),"
          " FOREIGN KEY (model_id, version) REFERENCES versions(model_id, number))",
          "CREATE TABLE deployments ("
          " id {id}, model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
          " from_version BIGINT, to_version BIGINT NOT NULL, actor TEXT NOT NULL,"
          " reason TEXT NOT NULL, at BIGINT NOT NULL)",
          "CREATE INDEX deployments_by_alias ON deployments (model_id, alias, at)",
          "CREATE TABLE rollouts ("
          " id {id}, model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
          " candidate BIGINT NOT NULL, baseline BIGINT NOT NULL,"
          " canary_percent DOUBLE PRECISION NOT NULL, shadow BIGINT NOT NULL,"
          " max_error_rate DOUBLE PRECISION NOT NULL, max_p99_ratio DOUBLE PRECISION NOT NULL,"
          " min_requests BIGINT NOT NULL, bake_secs BIGINT NOT NULL,"
          " state TEXT NOT NULL"
          "  CHECK (state IN ('active', 'promoted', 'rolled_back', 'aborted')),"
          " reason TEXT NOT NULL, actor TEXT NOT NULL, started_at BIGINT NOT NULL,"
          " ended_at BIGINT)",
          "CREATE UNIQUE INDEX one_active_rollout ON rollouts (model_id, alias)"
          " WHERE state = 'active'",
          "CREATE TABLE change_counter ("
          " id BIGINT PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL)",
          "INSERT INTO change_counter (id, value) VALUES (1, 0)",
      },
      // 2: documents attached to a version (a drift reference profile, a validation
      // report...): one per kind, replaceable, while the version itself never changes.
      {
          "CREATE TABLE version_documents ("
          " version_id BIGINT NOT NULL REFERENCES versions(id), kind TEXT NOT NULL,"
          " body TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,"
          " PRIMARY KEY (version_id, kind))",
      },
      // 3: gates (contract C2): protected aliases, and whether a ledger row or a rollout
      // went past a gate by force. A protection may name an alias that points nowhere yet.
      {
          "CREATE TABLE alias_protections ("
          " model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
          " requirement TEXT NOT NULL CHECK (requirement IN ('validation')),"
          " min_accuracy DOUBLE PRECISION, max_p99_ms DOUBLE PRECISION,"
          " created_by TEXT NOT NULL, created_at BIGINT NOT NULL,"
          " PRIMARY KEY (model_id, alias))",
          "ALTER TABLE deployments ADD COLUMN forced BIGINT NOT NULL DEFAULT 0",
          "ALTER TABLE rollouts ADD COLUMN forced BIGINT NOT NULL DEFAULT 0",
          "ALTER TABLE rollouts ADD COLUMN force_reason TEXT NOT NULL DEFAULT ''",
      },
      // 4: what each server saw of an active rollout's arms (PutRolloutObservation), so
      // that the judging server decides on the fleet's figures. Latencies are sparse
      // histograms as text ("bucket:count,..."). Rows go when their rollout ends.
      {
          "CREATE TABLE rollout_observations ("
          " rollout_id BIGINT NOT NULL REFERENCES rollouts(id), server TEXT NOT NULL,"
          " baseline_requests BIGINT NOT NULL, baseline_errors BIGINT NOT NULL,"
          " baseline_latency TEXT NOT NULL, candidate_requests BIGINT NOT NULL,"
          " candidate_errors BIGINT NOT NULL, candidate_latency TEXT NOT NULL,"
          " updated_at BIGINT NOT NULL, PRIMARY KEY (rollout_id, server))",
      },
      // 5: what the fleet's leader last announced of each alias (alias.moved,
      // rollout.started): the version and the rollout it routed, so that a new leader
      // announces what the old one did not. Written without bumping the change counter.
      {
          "CREATE TABLE announced_routes ("
          " model_id BIGINT NOT NULL REFERENCES models(id), alias TEXT NOT NULL,"
          " version BIGINT NOT NULL, rollout_id BIGINT REFERENCES rollouts(id),"
          " announced_at BIGINT NOT NULL, PRIMARY KEY (model_id, alias),"
          " FOREIGN KEY (model_id, version) REFERENCES versions(model_id, number))",
      },
  };
  return *migrations;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status ApplyMigrations(SqlDatabase& db) {
  return InTransaction(db, db.BeginWrite(), [&]() -> absl::Status {
    RETURN_IF_ERROR(
        db.Query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", {})
            .status());
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows, db.Query("SELECT version FROM schema_version", {}));
    int64_t current = 0;
    if (rows.empty()) {
      RETURN_IF_ERROR(db.Query("INSERT INTO schema_version (version) VALUES (0)", {}).status());
    } else {
      current = AsInt(rows[0][0]);
    }
    const int64_t latest = LatestSchemaVersion();
    if (current > latest) {
      return absl::FailedPreconditionError(
          absl::StrCat("the registry database has schema version ", current,
                       ", newer than this berth ", "supports (", latest, "); use a newer berth"));
    }
    for (int64_t version = current + 1; version <= latest; ++version) {
      for (const char* statement : Migrations()[version - 1]) {
        std::string sql = absl::StrReplaceAll(statement, {{"{id}", db.AutoIdColumn()}});
        absl::Status status = db.Query(sql, {}).status();
        if (!status.ok()) {
          return absl::Status(status.code(), absl::StrCat("registry schema migration ", version,
                                                          " failed: ", status.message()));
        }
      }
    }
    if (current != latest) {
      RETURN_IF_ERROR(db.Query("UPDATE schema_version SET version = $1", {latest}).status());
    }
    return absl::OkStatus();
  });
}

}  // namespace berth::registry
