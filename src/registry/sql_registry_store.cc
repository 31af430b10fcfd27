#include "registry/sql_registry_store.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "registry/schema.h"
#include "registry/sha256.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

constexpr const char* kVersionColumns =
    "SELECT id, number, digest, size, signature, description, parent, derivation, pushed_by,"
    " created_at FROM versions WHERE model_id = $1";

absl::Status ValidateContent(const VersionContent& v) {
  RETURN_IF_ERROR(ValidateModelName(v.model));
  RETURN_IF_ERROR(ValidateDigest(v.digest));
  if (v.size < 0) return absl::InvalidArgumentError("artifact size is negative");
  for (const auto& [key, value] : v.tags) RETURN_IF_ERROR(ValidateTagKey(key));
  for (const auto& [key, value] : v.metrics) {
    RETURN_IF_ERROR(ValidateTagKey(key));
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat("metric '", key, "' is not a finite number"));
    }
  }
  if (v.parent.has_value() && *v.parent < 1) {
    return absl::InvalidArgumentError("parent version must be a positive integer");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> SqlRegistryStore::ModelId(const std::string& model) {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT id FROM models WHERE name = $1", {model}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", model, "' is not in the registry"));
  }
  return AsInt(rows[0][0]);
}

absl::Status SqlRegistryStore::RequireVersion(int64_t model_id, const std::string& model,
                                              int64_t version) {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT 1 FROM versions WHERE model_id = $1 AND number = $2",
                              {model_id, version}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", model, "' has no version ", version));
  }
  return absl::OkStatus();
}

absl::Status SqlRegistryStore::BumpChangeCounter() {
  RETURN_IF_ERROR(
      db_->Query("UPDATE change_counter SET value = value + 1 WHERE id = 1", {}).status());
  return db_->NotifyChange();
}

absl::StatusOr<ModelVersion> SqlRegistryStore::AddVersion(const VersionContent& v) {
  RETURN_IF_ERROR(ValidateContent(v));
  ModelVersion added;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    const absl::Time now = absl::Now();
    RETURN_IF_ERROR(db_->Query("INSERT INTO models (name, created_at) VALUES ($1, $2)"
                               " ON CONFLICT (name) DO NOTHING",
                               {v.model, TimeValue(now)})
                        .status());
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(v.model));
    if (v.parent.has_value()) {
      absl::Status parent = RequireVersion(model_id, v.model, *v.parent);
      if (!parent.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("parent version ", *v.parent, " of model '", v.model, "' does not exist"));
      }
    }
    ASSIGN_OR_RETURN(std::vector<SqlRow> next,
                     db_->Query("SELECT COALESCE(MAX(number), 0) + 1 FROM versions"
                                " WHERE model_id = $1",
                                {model_id}));
    const int64_t number = AsInt(next[0][0]);
    ASSIGN_OR_RETURN(
        std::vector<SqlRow> inserted,
        db_->Query("INSERT INTO versions (model_id, number, digest, size, signature, description,"
                   " parent, derivation, pushed_by, created_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                   {model_id, number, v.digest, v.size, v.signature_json, v.description,
                    OptionalIntValue(v.parent), v.derivation, v.pushed_by, TimeValue(now)}));
    const int64_t version_id = AsInt(inserted[0][0]);
    for (const auto& [key, value] : v.tags) {
      RETURN_IF_ERROR(db_->Query("INSERT INTO version_tags (version_id, key, value)"
                                 " VALUES ($1, $2, $3)",
                                 {version_id, key, value})
                          .status());
    }
    for (const auto& [key, value] : v.metrics) {
      RETURN_IF_ERROR(db_->Query("INSERT INTO version_metrics (version_id, key, value)"
                                 " VALUES ($1, $2, $3)",
                                 {version_id, key, value})
                          .status());
    }
    RETURN_IF_ERROR(BumpChangeCounter());
    added = ModelVersion{v, number, absl::FromUnixMicros(absl::ToUnixMicros(now))};
    return absl::OkStatus();
  }));
  return added;
}

absl::StatusOr<std::vector<std::string>> SqlRegistryStore::ListModels() {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT name FROM models ORDER BY name", {}));
  std::vector<std::string> names;
  for (const SqlRow& row : rows) names.push_back(AsText(row[0]));
  return names;
}

absl::StatusOr<std::vector<ModelVersion>> SqlRegistryStore::ReadVersions(
    int64_t model_id, const std::string& model, std::optional<int64_t> only) {
  std::string filter = only.has_value() ? " AND number = $2" : "";
  std::vector<SqlValue> params = {model_id};
  if (only.has_value()) params.push_back(*only);
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query(absl::StrCat(kVersionColumns, filter, " ORDER BY number"), params));
  std::map<int64_t, size_t> by_id;
  std::vector<ModelVersion> versions;
  for (const SqlRow& row : rows) {
    ModelVersion v;
    v.model = model;
    v.version = AsInt(row[1]);
    v.digest = AsText(row[2]);
    v.size = AsInt(row[3]);
    v.signature_json = AsText(row[4]);
    v.description = AsText(row[5]);
    v.parent = AsOptionalInt(row[6]);
    v.derivation = AsText(row[7]);
    v.pushed_by = AsText(row[8]);
    v.created_at = AsTime(row[9]);
    by_id[AsInt(row[0])] = versions.size();
    versions.push_back(std::move(v));
  }
  for (const char* table : {"version_tags", "version_metrics"}) {
    ASSIGN_OR_RETURN(
        std::vector<SqlRow> pairs,
        db_->Query(absl::StrCat("SELECT t.version_id, t.key, t.value FROM ", table,
                                " t JOIN versions v ON v.id = t.version_id WHERE v.model_id = $1",
                                filter.empty() ? "" : " AND v.number = $2"),
                   params));
    for (const SqlRow& row : pairs) {
      auto it = by_id.find(AsInt(row[0]));
      if (it == by_id.end()) continue;
      ModelVersion& v = versions[it->second];
      if (std::string(table) == "version_tags") {
        v.tags[AsText(row[1])] = AsText(row[2]);
      } else {
        v.metrics[AsText(row[1])] = AsDouble(row[2]);
      }
    }
  }
  ASSIGN_OR_RETURN(
      std::vector<SqlRow> docs,
      db_->Query(absl::StrCat("SELECT d.version_id, d.kind, LENGTH(d.body), d.created_by,"
                              " d.created_at FROM version_documents d"
                              " JOIN versions v ON v.id = d.version_id WHERE v.model_id = $1",
                              filter.empty() ? "" : " AND v.number = $2", " ORDER BY d.kind"),
                 params));
  for (const SqlRow& row : docs) {
    auto it = by_id.find(AsInt(row[0]));
    if (it == by_id.end()) continue;
    ModelVersion& v = versions[it->second];
    v.documents.push_back(
        {v.model, v.version, AsText(row[1]), "", AsInt(row[2]), AsText(row[3]), AsTime(row[4])});
  }
  return versions;
}

absl::StatusOr<std::vector<ModelVersion>> SqlRegistryStore::ListVersions(const std::string& model) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<ModelVersion> versions;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(versions, ReadVersions(model_id, model, std::nullopt));
    return absl::OkStatus();
  }));
  return versions;
}

absl::StatusOr<ModelVersion> SqlRegistryStore::GetVersion(const std::string& model,
                                                          int64_t version) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<ModelVersion> versions;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t model_id, ModelId(model));
    ASSIGN_OR_RETURN(versions, ReadVersions(model_id, model, version));
    return absl::OkStatus();
  }));
  if (versions.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", model, "' has no version ", version));
  }
  return versions.front();
}

absl::StatusOr<int64_t> SqlRegistryStore::ChangeCounter() {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT value FROM change_counter WHERE id = 1", {}));
  if (rows.empty()) return absl::InternalError("the registry's change_counter row is missing");
  return AsInt(rows[0][0]);
}

absl::StatusOr<std::set<std::string>> SqlRegistryStore::ReferencedDigests() {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT DISTINCT digest FROM versions", {}));
  std::set<std::string> digests;
  for (const SqlRow& row : rows) digests.insert(AsText(row[0]));
  return digests;
}

absl::StatusOr<int> SqlRegistryStore::SchemaVersion() {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows, db_->Query("SELECT version FROM schema_version", {}));
  if (rows.empty()) return absl::InternalError("the registry's schema_version row is missing");
  return static_cast<int>(AsInt(rows[0][0]));
}

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(const std::string& uri,
                                                                 OpenMode mode) {
  std::unique_ptr<SqlDatabase> db;
  if (absl::StartsWith(uri, "sqlite:")) {
    std::string path = uri.substr(std::string("sqlite:").size());
    if (path.empty()) return absl::InvalidArgumentError("registry URI 'sqlite:' has no path");
    std::error_code ec;
    if (mode == OpenMode::kMustExist && !std::filesystem::exists(path, ec)) {
      return absl::NotFoundError(
          absl::StrCat("no registry database at '", path, "' (berth push creates one)"));
    }
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot create the registry folder '",
                                                 parent.string(), "': ", ec.message()));
    }
    ASSIGN_OR_RETURN(db, OpenSqliteDatabase(path));
  } else if (absl::StartsWith(uri, "postgresql://") || absl::StartsWith(uri, "postgres://")) {
    ASSIGN_OR_RETURN(db, OpenPostgresDatabase(uri));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("registry URI '", uri, "' is neither sqlite:PATH nor postgresql://..."));
  }
  RETURN_IF_ERROR(ApplyMigrations(*db));
  return std::make_unique<SqlRegistryStore>(std::move(db));
}

}  // namespace berth::registry