#include "registry/registry.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "engine/runtime/model.h"
#include "registry/signature_json.h"

namespace berth::registry {

std::string DefaultArtifactsDir(const std::string& uri) {
  if (absl::StartsWith(uri, "sqlite:")) {
    std::filesystem::path db(uri.substr(std::string("sqlite:").size()));
    return (db.parent_path().empty() ? std::filesystem::path("blobs") : db.parent_path() / "blobs")
        .string();
  }
  return "./berth-registry/blobs";
}

absl::StatusOr<std::unique_ptr<Registry>> Registry::Open(const std::string& uri,
                                                         const std::string& artifacts_dir,
                                                         OpenMode mode) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryStore> store, OpenRegistryStore(uri, mode));
  ASSIGN_OR_RETURN(
      std::unique_ptr<ArtifactStore> artifacts,
      ArtifactStore::Open(artifacts_dir.empty() ? DefaultArtifactsDir(uri) : artifacts_dir,
                          /*create_folders=*/mode == OpenMode::kCreateIfMissing));
  return std::unique_ptr<Registry>(new Registry(std::move(store), std::move(artifacts)));
}

absl::StatusOr<ModelVersion> Registry::Push(const std::string& model_path,
                                            const PushOptions& options) {
  // Everything that can be refused is refused before a byte is written.
  RETURN_IF_ERROR(ValidateModelName(options.name));
  for (const auto& [key, value] : options.tags) RETURN_IF_ERROR(ValidateTagKey(key));
  for (const auto& [key, value] : options.metrics) {
    RETURN_IF_ERROR(ValidateTagKey(key));
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat("metric '", key, "' is not a finite number"));
    }
  }
  if (options.parent.has_value() && !store_->GetVersion(options.name, *options.parent).ok()) {
    // Checked again when the row commits; versions are never deleted, so this cannot race.
    return absl::InvalidArgumentError(absl::StrCat(
        "parent version ", *options.parent, " of model '", options.name, "' does not exist"));
  }
  absl::StatusOr<std::string> bytes = ReadFileToString(model_path);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(), absl::StrCat("cannot read model '", model_path,
                                                            "': ", bytes.status().message()));
  }
  engine::ModelOptions engine_options;
  engine_options.intra_op_threads = 1;
  // No external data folder: the registry stores the .onnx bytes alone, so a model that needs
  // other files must be refused here rather than fail when served.
  absl::StatusOr<std::unique_ptr<engine::Model>> model =
      engine::Model::LoadFromBytes(*bytes, engine_options, "");
  if (!model.ok()) {
    return absl::Status(model.status().code(), absl::StrCat("cannot load model '", model_path,
                                                            "': ", model.status().message()));
  }
  VersionContent v;
  v.model = options.name;
  v.size = static_cast<int64_t>(bytes->size());
  v.signature_json = SignatureJson((*model)->inputs(), (*model)->outputs());
  v.description = options.description;
  v.tags = options.tags;
  v.metrics = options.metrics;
  v.parent = options.parent;
  v.derivation = options.derivation;
  v.pushed_by = options.actor;
  model->reset();  // free the prepared model before the copy and the commit
  ASSIGN_OR_RETURN(ArtifactStore::WriteLease lease, artifacts_->AcquireWriteLease());
  ASSIGN_OR_RETURN(v.digest, artifacts_->Put(*bytes));
  return store_->AddVersion(v);
}

absl::StatusOr<std::vector<std::string>> Registry::Models() { return store_->ListModels(); }

absl::StatusOr<std::vector<ModelVersion>> Registry::Versions(const std::string& name) {
  return store_->ListVersions(name);
}

absl::StatusOr<int64_t> Registry::Resolve(const std::string& name, const std::string& ref) {
  RETURN_IF_ERROR(ValidateModelName(name));
  if (!ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return ParseVersion(ref);
  }
  RETURN_IF_ERROR(ValidateAliasName(ref));
  return store_->GetAlias(name, ref);
}

absl::StatusOr<ModelVersion> Registry::Show(const std::string& name, const std::string& ref) {
  ASSIGN_OR_RETURN(int64_t version, Resolve(name, ref));
  return store_->GetVersion(name, version);
}

absl::StatusOr<DeploymentRecord> Registry::SetAlias(const std::string& name,
                                                    const std::string& alias, int64_t version,
                                                    const std::string& actor,
                                                    const std::string& reason, bool force) {
  return store_->SetAlias(name, alias, version, actor, reason, force);
}

absl::StatusOr<std::vector<Alias>> Registry::ListAliases(const std::string& name) {
  return store_->ListAliases(name);
}

absl::StatusOr<std::vector<DeploymentRecord>> Registry::History(
    const std::string& name, const std::optional<std::string>& alias) {
  return store_->History(name, alias);
}

absl::StatusOr<int64_t> Registry::VersionAt(const std::string& name, const std::string& alias,
                                            absl::Time time) {
  return store_->VersionAt(name, alias, time);
}

absl::StatusOr<DeploymentRecord> Registry::Rollback(const std::string& name,
                                                    const std::string& alias,
                                                    const std::string& actor,
                                                    const std::string& reason) {
  return store_->Rollback(name, alias, actor, reason);
}

absl::StatusOr<Rollout> Registry::StartRollout(const RolloutSpec& spec, const std::string& actor,
                                               const GateOverride& override) {
  return store_->StartRollout(spec, actor, override);
}

absl::StatusOr<std::optional<Rollout>> Registry::ActiveRollout(const std::string& name,
                                                               const std::string& alias) {
  return store_->ActiveRollout(name, alias);
}

absl::StatusOr<std::vector<Rollout>> Registry::Rollouts(const std::string& name) {
  return store_->ListRollouts(name);
}

absl::StatusOr<Rollout> Registry::AbortRollout(const std::string& name, const std::string& alias,
                                               const std::string& actor,
                                               const std::string& reason) {
  return store_->FinishRollout(name, alias, RolloutState::kAborted, actor, reason);
}

absl::StatusOr<Rollout> Registry::FinishRollout(const std::string& name, const std::string& alias,
                                                RolloutState final_state, const std::string& actor,
                                                const std::string& reason) {
  return store_->FinishRollout(name, alias, final_state, actor, reason);
}

absl::StatusOr<int64_t> Registry::ChangeCounter() { return store_->ChangeCounter(); }

absl::Status Registry::PutRolloutObservation(int64_t rollout_id, const std::string& server,
                                             const ObservationSnapshot& snapshot) {
  return store_->PutRolloutObservation(rollout_id, server, snapshot);
}

absl::StatusOr<std::vector<ServerObservation>> Registry::RolloutObservations(int64_t rollout_id) {
  return store_->ListRolloutObservations(rollout_id);
}

absl::Status Registry::RecordAnnouncedRoutes(const std::vector<AnnouncedRoute>& routes) {
  return store_->RecordAnnouncedRoutes(routes);
}

absl::StatusOr<std::vector<AnnouncedRoute>> Registry::AnnouncedRoutes(
    const std::optional<std::string>& name) {
  return store_->ListAnnouncedRoutes(name);
}

absl::StatusOr<Protection> Registry::Protect(const Protection& protection) {
  return store_->Protect(protection);
}

absl::Status Registry::Unprotect(const std::string& name, const std::string& alias) {
  return store_->Unprotect(name, alias);
}

absl::StatusOr<std::vector<Protection>> Registry::Protections(const std::string& name) {
  return store_->ListProtections(name);
}

absl::StatusOr<std::vector<GateVerdict>> Registry::Gates(const std::string& name, int64_t version) {
  ASSIGN_OR_RETURN(std::optional<VersionDocument> report,
                   store_->GetVersionDocument(name, version, kValidationDocument));
  ASSIGN_OR_RETURN(std::vector<Protection> protections, store_->ListProtections(name));
  std::vector<GateVerdict> verdicts;
  for (Protection& p : protections) {
    std::vector<std::string> reasons = GateReasons(p, version, report);
    verdicts.push_back({std::move(p), std::move(reasons)});
  }
  return verdicts;
}

absl::StatusOr<std::string> Registry::ArtifactPath(const ModelVersion& version) {
  absl::StatusOr<std::string> path = artifacts_->OpenVerified(version.digest);
  if (!path.ok()) {
    return absl::Status(path.status().code(),
                        absl::StrCat("version ", version.version, " of model '", version.model,
                                     "': ", path.status().message()));
  }
  return path;
}

absl::StatusOr<GarbageReport> Registry::CollectGarbage() {
  return artifacts_->CollectGarbage([this] { return store_->ReferencedDigests(); });
}

absl::StatusOr<VersionDocument> Registry::PutDocument(const std::string& name,
                                                      const std::string& ref,
                                                      const std::string& kind,
                                                      const std::string& body,
                                                      const std::string& actor) {
  ASSIGN_OR_RETURN(int64_t version, Resolve(name, ref));
  return store_->PutVersionDocument(name, version, kind, body, actor);
}

absl::StatusOr<std::optional<VersionDocument>> Registry::Document(const std::string& name,
                                                                  int64_t version,
                                                                  const std::string& kind) {
  return store_->GetVersionDocument(name, version, kind);
}

absl::StatusOr<std::vector<VersionDocument>> Registry::Documents(const std::string& name,
                                                                 int64_t version) {
  return store_->ListVersionDocuments(name, version);
}

}  // namespace berth::registry
