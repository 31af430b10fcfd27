// SqlRegistryStore: documents attached to a version (version_documents): a drift reference
// profile, later validation reports. One row per version and kind; writing again replaces.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "registry/sql_registry_store.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

absl::Status ValidateDocument(const std::string& model, const std::string& kind) {
  RETURN_IF_ERROR(ValidateModelName(model));
  if (kind.size() > kMaxDocumentKindLength) {
    return absl::InvalidArgumentError(absl::StrCat("document kind '", kind.substr(0, 80),
                                                   "...' is longer than ", kMaxDocumentKindLength,
                                                   " characters"));
  }
  absl::Status key = ValidateTagKey(kind);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid document kind: ", key.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> SqlRegistryStore::VersionId(const std::string& model, int64_t version) {
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id"
                              " WHERE m.name = $1 AND v.number = $2",
                              {model, version}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("model '", model, "' has no version ", version, " in the registry"));
  }
  return AsInt(rows[0][0]);
}

absl::StatusOr<VersionDocument> SqlRegistryStore::PutVersionDocument(const std::string& model,
                                                                     int64_t version,
                                                                     const std::string& kind,
                                                                     const std::string& body,
                                                                     const std::string& actor) {
  RETURN_IF_ERROR(ValidateDocument(model, kind));
  if (body.size() > kMaxDocumentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the '", kind, "' document has ", body.size(),
                                                   " bytes, more than the limit of ",
                                                   kMaxDocumentBytes));
  }
  VersionDocument doc{model, version, kind, body, static_cast<int64_t>(body.size()), actor, {}};
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginWrite(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version_id, VersionId(model, version));
    const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
    RETURN_IF_ERROR(db_->Query("INSERT INTO version_documents"
                               " (version_id, kind, body, created_by, created_at)"
                               " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version_id, kind)"
                               " DO UPDATE SET body = excluded.body,"
                               " created_by = excluded.created_by,"
                               " created_at = excluded.created_at",
                               {version_id, kind, body, actor, TimeValue(now)})
                        .status());
    doc.created_at = now;
    return BumpChangeCounter();
  }));
  return doc;
}

absl::StatusOr<std::optional<VersionDocument>> SqlRegistryStore::GetVersionDocument(
    const std::string& model, int64_t version, const std::string& kind) {
  RETURN_IF_ERROR(ValidateDocument(model, kind));
  std::optional<VersionDocument> doc;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(doc, ReadDocument(model, version, kind));
    return absl::OkStatus();
  }));
  return doc;
}

absl::StatusOr<std::optional<VersionDocument>> SqlRegistryStore::ReadDocument(
    const std::string& model, int64_t version, const std::string& kind) {
  ASSIGN_OR_RETURN(int64_t version_id, VersionId(model, version));
  ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                   db_->Query("SELECT body, created_by, created_at FROM version_documents"
                              " WHERE version_id = $1 AND kind = $2",
                              {version_id, kind}));
  if (rows.empty()) return std::nullopt;
  std::string body = AsText(rows[0][0]);
  const int64_t size = static_cast<int64_t>(body.size());
  return VersionDocument{
      model, version, kind, std::move(body), size, AsText(rows[0][1]), AsTime(rows[0][2])};
}

absl::StatusOr<std::vector<VersionDocument>> SqlRegistryStore::ListVersionDocuments(
    const std::string& model, int64_t version) {
  RETURN_IF_ERROR(ValidateModelName(model));
  std::vector<VersionDocument> docs;
  RETURN_IF_ERROR(InTransaction(*db_, db_->BeginRead(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version_id, VersionId(model, version));
    ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                     db_->Query("SELECT kind, LENGTH(body), created_by, created_at"
                                " FROM version_documents WHERE version_id = $1 ORDER BY kind",
                                {version_id}));
    for (const SqlRow& row : rows) {
      docs.push_back(
          {model, version, AsText(row[0]), "", AsInt(row[1]), AsText(row[2]), AsTime(row[3])});
    }
    return absl::OkStatus();
  }));
  return docs;
}

}  // namespace berth::registry
