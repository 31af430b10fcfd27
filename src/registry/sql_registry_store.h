// RegistryStore over an SqlDatabase (internal to src/registry; callers use
// OpenRegistryStore). Models, versions and opening are in sql_registry_store.cc, aliases and
// the ledger in sql_registry_aliases.cc, rollouts in sql_registry_rollouts.cc,
// the servers' rollout figures in sql_registry_observations.cc, the fleet's announced routes
// in sql_registry_announced.cc, version documents in
// sql_registry_documents.cc, protections and the gate in
// sql_registry_protections.cc.
#ifndef BERTH_REGISTRY_SQL_REGISTRY_STORE_H_
#define BERTH_REGISTRY_SQL_REGISTRY_STORE_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "registry/registry_store.h"
#include "registry/sql_database.h"

namespace berth::registry {

class SqlRegistryStore : public RegistryStore {
 public:
  // Takes `db` with its schema already migrated.
  explicit SqlRegistryStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}

  absl::StatusOr<ModelVersion> AddVersion(const VersionContent& v) override;
  absl::StatusOr<std::vector<std::string>> ListModels() override;
  absl::StatusOr<std::vector<ModelVersion>> ListVersions(const std::string& model) override;
  absl::StatusOr<ModelVersion> GetVersion(const std::string& model, int64_t version) override;
  using RegistryStore::SetAlias;
  using RegistryStore::StartRollout;

  absl::StatusOr<DeploymentRecord> SetAlias(const std::string& model, const std::string& alias,
                                            int64_t version, const std::string& actor,
                                            const std::string& reason, bool force) override;
  absl::StatusOr<int64_t> GetAlias(const std::string& model, const std::string& alias) override;
  absl::StatusOr<std::vector<Alias>> ListAliases(const std::string& model) override;
  absl::StatusOr<std::vector<DeploymentRecord>> History(
      const std::string& model, const std::optional<std::string>& alias) override;
  absl::StatusOr<int64_t> VersionAt(const std::string& model, const std::string& alias,
                                    absl::Time time) override;
  absl::StatusOr<DeploymentRecord> Rollback(const std::string& model, const std::string& alias,
                                            const std::string& actor,
                                            const std::string& reason) override;
  absl::StatusOr<Rollout> StartRollout(const RolloutSpec& spec, const std::string& actor,
                                       const GateOverride& override) override;
  absl::StatusOr<std::optional<Rollout>> ActiveRollout(const std::string& model,
                                                       const std::string& alias) override;
  absl::StatusOr<std::vector<Rollout>> ListRollouts(const std::string& model) override;
  absl::StatusOr<Rollout> FinishRollout(const std::string& model, const std::string& alias,
                                        RolloutState final_state, const std::string& actor,
                                        const std::string& reason) override;
  absl::Status PutRolloutObservation(int64_t rollout_id, const std::string& server,
                                     const ObservationSnapshot& snapshot) override;
  absl::StatusOr<std::vector<ServerObservation>> ListRolloutObservations(
      int64_t rollout_id) override;
  absl::Status RecordAnnouncedRoutes(const std::vector<AnnouncedRoute>& routes) override;
  absl::StatusOr<std::vector<AnnouncedRoute>> ListAnnouncedRoutes(
      const std::optional<std::string>& model) override;
  absl::StatusOr<VersionDocument> PutVersionDocument(const std::string& model, int64_t version,
                                                     const std::string& kind,
                                                     const std::string& body,
                                                     const std::string& actor) override;
  absl::StatusOr<std::optional<VersionDocument>> GetVersionDocument(
      const std::string& model, int64_t version, const std::string& kind) override;
  absl::StatusOr<std::vector<VersionDocument>> ListVersionDocuments(const std::string& model,
                                                                    int64_t version) override;
  absl::StatusOr<Protection> Protect(const Protection& p) override;
  absl::Status Unprotect(const std::string& model, const std::string& alias) override;
  absl::StatusOr<std::vector<Protection>> ListProtections(const std::string& model) override;
  absl::StatusOr<int64_t> ChangeCounter() override;
  absl::StatusOr<std::set<std::string>> ReferencedDigests() override;
  absl::StatusOr<int> SchemaVersion() override;

 private:
  // Helpers run inside a transaction the caller opened.
  absl::StatusOr<int64_t> ModelId(const std::string& model);
  absl::Status RequireVersion(int64_t model_id, const std::string& model, int64_t version);
  // The row id of the version; NotFound naming the model and version.
  absl::StatusOr<int64_t> VersionId(const std::string& model, int64_t version);
  // The document `kind` of the version, or nullopt; NotFound for an unknown version.
  absl::StatusOr<std::optional<VersionDocument>> ReadDocument(const std::string& model,
                                                              int64_t version,
                                                              const std::string& kind);
  absl::StatusOr<std::optional<int64_t>> CurrentAlias(int64_t model_id, const std::string& alias);
  // Points the alias at `to` and appends the ledger row; bumps the change counter.
  absl::StatusOr<DeploymentRecord> MoveAlias(int64_t model_id, const std::string& model,
                                             const std::string& alias, std::optional<int64_t> from,
                                             int64_t to, const std::string& actor,
                                             const std::string& reason, bool forced = false);
  // The protection of the alias, or nullopt.
  absl::StatusOr<std::optional<Protection>> ProtectionOf(int64_t model_id, const std::string& model,
                                                         const std::string& alias);
  // The gate of the alias for `version` (CheckGate over the protection and the version's
  // validation report, read in the caller's transaction). Returns whether the move is forced:
  // true when the gate refused and `override` forces it; the gate's error when it refused
  // without force; InvalidArgument for a force without a reason.
  absl::StatusOr<bool> PassGate(int64_t model_id, const std::string& model,
                                const std::string& alias, int64_t version,
                                const GateOverride& override);
  absl::StatusOr<std::vector<ModelVersion>> ReadVersions(int64_t model_id, const std::string& model,
                                                         std::optional<int64_t> only);
  absl::StatusOr<std::vector<Rollout>> ReadRollouts(int64_t model_id, const std::string& model,
                                                    const std::optional<std::string>& alias,
                                                    bool active_only);
  // Ends rollout `id` in `state` with `reason` at `now`, deleting its servers' figures.
  absl::Status CloseRollout(int64_t id, RolloutState state, const std::string& reason,
                            absl::Time now);
  // Aborts the alias's active rollout, if any: its baseline is no longer the alias's
  // version once someone moves the alias by hand (`how`: "alias set", "rollback").
  absl::Status AbortRolloutOnManualMove(int64_t model_id, const std::string& model,
                                        const std::string& alias, const std::string& how);
  absl::Status BumpChangeCounter();

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SQL_REGISTRY_STORE_H_
