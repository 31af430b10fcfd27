// SqlRegistryStore: what the fleet's leader last announced of each alias (announced_routes),
// one row per model and alias, replaced by each record. Only the leading server reads and
// writes it (serving/registry_follower.h); the change counter never moves for it.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "registry/sql_registry_store.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

absl::Status ValidateAnnouncedRoute(const AnnouncedRoute& r) {
  RETURN_IF_ERROR(ValidateModelName(r.model));
  RETURN_IF_ERROR(ValidateAliasName(r.alias));
  if (r.version < 1) {
    return absl::InvalidArgumentError(absl::StrCat("announced version ", r.version, " of ", r.model,
                                                   "@", r.alias,
                                                   " is not a version number (1, 2, ...)"));
  }
  if (r.rollout_id.has_value() && *r.rollout_id < 1) {
    return absl::InvalidArgumentError(absl::StrCat("announced rollout id ", *r.rollout_id, " of ",
                                                   r.model, "@", r.alias, " is not positive"));
  }
  return absl::OkStatus();
}

constexpr const char* kAnnouncedColumns =
    "SELECT m.name, a.alias, a.version, a.rollout_id, a.announced_at"
    " FROM announced_routes a JOIN models m ON m.id = a.model_id";

}  // namespace

absl::Status SqlRegistryStore::RecordAnnouncedRoutes(const std::vector<AnnouncedRoute>& routes) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const AnnouncedRoute& r : routes) {
    RETURN_IF_ERROR(ValidateAnnouncedRoute(r));
    if (!seen.emplace(r.model, r.alias).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("alias ", r.model, "@", r.alias, " is announced twice in one record"));
    }
  }
  if (routes.empty()) return absl::OkStatus();
  return InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    const SqlValue now = TimeValue(absl::Now());
    std::map<std::string, int64_t> model_ids;
    for (const AnnouncedRoute& r : routes) {
      auto id = model_ids.find(r.model);
      if (id == model_ids.end()) {
        ASSIGN_OR_RETURN(int64_t model_id, ModelId(r.model));
        id = model_ids.emplace(r.model, model_id).first;
      }
      RETURN_IF_ERROR(RequireVersion(id->second, r.model, r.version));
      if (r.rollout_id.has_value()) {
        ASSIGN_OR_RETURN(std::vector<SqlRow> rollout,
                         db_->Query("SELECT 1 FROM rollouts WHERE id = $1 AND model_id = $2"
                                    " AND alias = $3",
                                    {*r.rollout_id, id->second, r.alias}));
        if (rollout.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "rollout ", *r.rollout_id, " is not a rollout of ", r.model, "@", r.alias));
        }
      }
      // No change counter bump: only the leader reads these rows.
      RETURN_IF_ERROR(
          db_->Query("INSERT INTO announced_routes (model_id, alias, version,"
                     " rollout_id, announced_at) VALUES ($1, $2, $3, $4, $5)"
                     " ON CONFLICT (model_id, alias) DO UPDATE SET"
                     " version = excluded.version, rollout_id = excluded.rollout_id,"
                     " announced_at = excluded.announced_at",
                     {id->second, r.alias, r.version, OptionalIntValue(r.rollout_id), now})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AnnouncedRoute>> SqlRegistryStore::ListAnnouncedRoutes(
    const std::optional<std::string>& model) {
  if (model.has_value()) RETURN_IF_ERROR(ValidateModelName(*model));
  std::vector<SqlRow> rows;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    std::string sql = kAnnouncedColumns;
    std::vector<SqlValue> params;
    if (model.has_value()) {
      ASSIGN_OR_RETURN(int64_t model_id, ModelId(*model));
      sql += " WHERE a.model_id = $1";
      params.push_back(model_id);
    }
    ASSIGN_OR_RETURN(rows, db_->Query(sql + " ORDER BY m.name, a.alias", params));
    return absl::OkStatus();
  }));
  std::vector<AnnouncedRoute> routes;
  routes.reserve(rows.size());
  for (const SqlRow& row : rows) {
    AnnouncedRoute r;
    r.model = AsText(row[0]);
    r.alias = AsText(row[1]);
    r.version = AsInt(row[2]);
    r.rollout_id = AsOptionalInt(row[3]);
    r.announced_at = AsTime(row[4]);
    routes.push_back(std::move(r));
  }
  return routes;
}

}  // namespace berth::registry
