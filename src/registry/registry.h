// The model registry: the one API the CLI and the server use. It joins the store (versions,
// aliases, ledger, rollouts in SQLite or PostgreSQL) and the artifact store (the model bytes,
// content-addressed), and orders their writes so that a crash never leaves a version whose
// artifact is missing or torn (see artifact_store.h).
//
//   ASSIGN_OR_RETURN(auto registry, Registry::Open("sqlite:./berth-registry/registry.db"));
//   ASSIGN_OR_RETURN(ModelVersion v, registry->Push("m.onnx", {.name = "m", .actor = "ann"}));
//   RETURN_IF_ERROR(registry->SetAlias("m", "production", v.version, "ann", "first").status());
//   ASSIGN_OR_RETURN(ModelVersion serving, registry->Show("m", "production"));
//   ASSIGN_OR_RETURN(std::string path, registry->ArtifactPath(serving));  // digest checked
//
// Errors are those of registry_store.h and artifact_store.h, plus the engine's for a model
// that does not load (Push). Thread safety: not safe for concurrent use (one database
// connection); open one Registry per thread. Several processes may share one registry.
#ifndef BERTH_REGISTRY_REGISTRY_H_
#define BERTH_REGISTRY_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "registry/artifact_store.h"
#include "registry/gate.h"
#include "registry/registry_store.h"
#include "registry/types.h"

namespace berth::registry {

// The registry URI used when none is given.
inline constexpr char kDefaultRegistryUri[] = "sqlite:./berth-registry/registry.db";

// The artifact folder for `uri` when none is given: "blobs" beside a SQLite database file,
// ./berth-registry/blobs for PostgreSQL.
std::string DefaultArtifactsDir(const std::string& uri);

struct PushOptions {
  std::string name;  // the model; created by its first push
  std::string description;
  std::map<std::string, std::string> tags;
  std::map<std::string, double> metrics;
  std::optional<int64_t> parent;  // must be an existing version of the same model
  std::string derivation;
  std::string actor;  // who pushes (recorded as pushed_by)
};

class Registry {
 public:
  // Opens the store at `uri` (see OpenRegistryStore) and the artifact store at
  // `artifacts_dir` (DefaultArtifactsDir(uri) when empty). With kMustExist nothing is
  // created: a missing SQLite registry is NotFound.
  static absl::StatusOr<std::unique_ptr<Registry>> Open(const std::string& uri,
                                                        const std::string& artifacts_dir = "",
                                                        OpenMode mode = OpenMode::kCreateIfMissing);

  // Pushes the model file at `model_path` as the next version of `options.name`: loads it
  // with the engine first (a model the engine refuses fails with the engine's error, and
  // nothing is written), stores the bytes, then commits the version row. A model with
  // external data files is refused (only the .onnx bytes are stored).
  absl::StatusOr<ModelVersion> Push(const std::string& model_path, const PushOptions& options);

  absl::StatusOr<std::vector<std::string>> Models();
  absl::StatusOr<std::vector<ModelVersion>> Versions(const std::string& name);
  // The version `ref` names: digits are a version number, anything else an alias.
  absl::StatusOr<int64_t> Resolve(const std::string& name, const std::string& ref);
  absl::StatusOr<ModelVersion> Show(const std::string& name, const std::string& ref);

  // Moves the alias (RegistryStore::SetAlias). A protected alias is gated: the version needs
  // a passing validation report meeting the protection's figures (FailedPrecondition naming
  // the model, version, alias and reason), unless `force` with a non-empty `reason`, which
  // the ledger records (forced=true).
  absl::StatusOr<DeploymentRecord> SetAlias(const std::string& name, const std::string& alias,
                                            int64_t version, const std::string& actor,
                                            const std::string& reason, bool force = false);
  absl::StatusOr<std::vector<Alias>> ListAliases(const std::string& name);
  // The ledger of every alias of `name` (or only of `alias`), oldest first.
  absl::StatusOr<std::vector<DeploymentRecord>> History(
      const std::string& name, const std::optional<std::string>& alias = std::nullopt);
  // The version `alias` of `name` pointed at, at `time` (NotFound before its first move).
  absl::StatusOr<int64_t> VersionAt(const std::string& name, const std::string& alias,
                                    absl::Time time);
  // Not gated: see RegistryStore::Rollback.
  absl::StatusOr<DeploymentRecord> Rollback(const std::string& name, const std::string& alias,
                                            const std::string& actor, const std::string& reason);

  // Starts a rollout (RegistryStore::StartRollout); the candidate is gated as SetAlias gates
  // a version, `override` forcing it past with a reason.
  absl::StatusOr<Rollout> StartRollout(const RolloutSpec& spec, const std::string& actor,
                                       const GateOverride& override = {});
  absl::StatusOr<std::optional<Rollout>> ActiveRollout(const std::string& name,
                                                       const std::string& alias);
  absl::StatusOr<std::vector<Rollout>> Rollouts(const std::string& name);
  // Ends the alias's active rollout as kAborted (the alias stays on the baseline).
  absl::StatusOr<Rollout> AbortRollout(const std::string& name, const std::string& alias,
                                       const std::string& actor, const std::string& reason);
  // Ends it as `final_state`; kPromoted moves the alias to the candidate (the controller's
  // decision, or an operator's).
  absl::StatusOr<Rollout> FinishRollout(const std::string& name, const std::string& alias,
                                        RolloutState final_state, const std::string& actor,
                                        const std::string& reason);

  absl::StatusOr<int64_t> ChangeCounter();

  // A server's figures of an active rollout, shared with the server that judges it
  // (RegistryStore::PutRolloutObservation; the change counter does not move), and every
  // server's latest (ListRolloutObservations).
  absl::Status PutRolloutObservation(int64_t rollout_id, const std::string& server,
                                     const ObservationSnapshot& snapshot);
  absl::StatusOr<std::vector<ServerObservation>> RolloutObservations(int64_t rollout_id);

  // What the fleet's leader announced of each alias (RegistryStore::RecordAnnouncedRoutes,
  // which does not move the change counter; ListAnnouncedRoutes: one model's, or every
  // model's when nullopt).
  absl::Status RecordAnnouncedRoutes(const std::vector<AnnouncedRoute>& routes);
  absl::StatusOr<std::vector<AnnouncedRoute>> AnnouncedRoutes(
      const std::optional<std::string>& name = std::nullopt);

  // Gates (contract C2; RegistryStore::Protect and its kin): `berth alias protect`.
  absl::StatusOr<Protection> Protect(const Protection& protection);
  absl::Status Unprotect(const std::string& name, const std::string& alias);
  absl::StatusOr<std::vector<Protection>> Protections(const std::string& name);
  // For each protection of `name`, why `version` would be refused behind it now (read
  // outside any write: a preview, not a promise). NotFound for an unknown version.
  absl::StatusOr<std::vector<GateVerdict>> Gates(const std::string& name, int64_t version);

  // Documents attached to a version (RegistryStore::PutVersionDocument and its readers);
  // `ref` as Resolve's. A drift reference profile is the kind kProfileDocument.
  absl::StatusOr<VersionDocument> PutDocument(const std::string& name, const std::string& ref,
                                              const std::string& kind, const std::string& body,
                                              const std::string& actor);
  absl::StatusOr<std::optional<VersionDocument>> Document(const std::string& name, int64_t version,
                                                          const std::string& kind);
  absl::StatusOr<std::vector<VersionDocument>> Documents(const std::string& name, int64_t version);

  // The path of `version`'s artifact after checking its digest (DataLoss when it does not
  // match, NotFound when it is missing).
  absl::StatusOr<std::string> ArtifactPath(const ModelVersion& version);

  // Removes blobs no version references and stale staging files; waits for pushes in flight.
  absl::StatusOr<GarbageReport> CollectGarbage();

  // The underlying stores, for callers that need an operation the facade does not wrap.
  RegistryStore& store() { return *store_; }
  ArtifactStore& artifacts() { return *artifacts_; }

 private:
  Registry(std::unique_ptr<RegistryStore> store, std::unique_ptr<ArtifactStore> artifacts)
      : store_(std::move(store)), artifacts_(std::move(artifacts)) {}

  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<ArtifactStore> artifacts_;
};

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_REGISTRY_H_
