// The registry's database: models, immutable versions, aliases, the deployment ledger,
// rollouts and a change counter. One interface; OpenRegistryStore picks the implementation
// from the URI (SQLite or PostgreSQL, both through sql_registry_store.cc over the same schema).
//
// Every write is one database transaction: an alias move and its ledger row, a version and
// its tags, a rollout and the alias it promotes commit together or not at all, and each bumps
// the change counter (on PostgreSQL also NOTIFY berth_registry), except a server's rollout
// figures (PutRolloutObservation), which only the judging server reads, and the fleet's
// announced routes (RecordAnnouncedRoutes), which only the leader reads. Writers from several
// processes are serialized by the database (SQLite: BEGIN IMMEDIATE with a busy timeout;
// PostgreSQL: a transaction-scoped advisory lock), so version numbers never collide.
//
// Names are validated here too (common/names.h): a bad model name, alias or tag key fails
// with InvalidArgument before anything is written. A missing model, version, alias or
// rollout is NotFound; a rule broken by the current state (a second active rollout, a
// rollback with no earlier version) is FailedPrecondition. Database errors are Unavailable
// (busy, connection lost) or Internal, with the database's message.
//
// Thread safety: one store object is NOT safe for concurrent use (it owns one connection);
// open one per thread. Any number of stores, in any processes, may share a database.
#ifndef BERTH_REGISTRY_REGISTRY_STORE_H_
#define BERTH_REGISTRY_REGISTRY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "registry/types.h"

namespace berth::registry {

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Adds the next version of `v.model` (creating the model on its first version). The number
  // is max + 1, allocated inside the write transaction. InvalidArgument for a bad name, tag
  // key, digest or a parent version that does not exist.
  virtual absl::StatusOr<ModelVersion> AddVersion(const VersionContent& v) = 0;

  // Every model name, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListModels() = 0;
  // The versions of `model`, oldest first. NotFound for an unknown model.
  virtual absl::StatusOr<std::vector<ModelVersion>> ListVersions(const std::string& model) = 0;
  // One version. NotFound naming the model and version.
  virtual absl::StatusOr<ModelVersion> GetVersion(const std::string& model, int64_t version) = 0;

  // Points `alias` of `model` at `version` (which must exist) and appends the move to the
  // ledger in the same transaction. Setting an alias to the version it already has is a
  // no-op that returns the last ledger row of that alias. A move (here or by Rollback) ends
  // the alias's active rollout, if any, as aborted ("alias moved by hand"): its baseline is
  // then no longer what the alias serves.
  //
  // A protected alias (Protect) is gated: the protection and the version's validation report
  // are read in the same transaction and judged by CheckGate (gate.h), whose
  // FailedPrecondition names the model, version, alias and reason. `force` overrides a
  // refusal and needs a non-empty `reason` (InvalidArgument otherwise); the ledger row then
  // has forced=true. A force the gate did not need records forced=false.
  virtual absl::StatusOr<DeploymentRecord> SetAlias(const std::string& model,
                                                    const std::string& alias, int64_t version,
                                                    const std::string& actor,
                                                    const std::string& reason, bool force) = 0;
  // The same, never forcing.
  absl::StatusOr<DeploymentRecord> SetAlias(const std::string& model, const std::string& alias,
                                            int64_t version, const std::string& actor,
                                            const std::string& reason) {
    return SetAlias(model, alias, version, actor, reason, /*force=*/false);
  }
  // The version `alias` points at now. NotFound naming the alias.
  virtual absl::StatusOr<int64_t> GetAlias(const std::string& model, const std::string& alias) = 0;
  // The aliases of `model`, by name. NotFound for an unknown model.
  virtual absl::StatusOr<std::vector<Alias>> ListAliases(const std::string& model) = 0;
  // The ledger of `model` (every alias, or only `alias` when given), oldest first.
  virtual absl::StatusOr<std::vector<DeploymentRecord>> History(
      const std::string& model, const std::optional<std::string>& alias) = 0;
  // The version `alias` of `model` pointed at, at `time` (the last move at or before it).
  // NotFound when the alias did not exist yet.
  virtual absl::StatusOr<int64_t> VersionAt(const std::string& model, const std::string& alias,
                                            absl::Time time) = 0;
  // Moves `alias` back to the version it had before its last move (the last ledger row's
  // from_version, passing over the rows of rolled-back rollouts, which moved nothing), as a
  // new ledger row. FailedPrecondition when the alias was created by its
  // last move (there is no earlier version); NotFound for an unknown alias. Not gated: the
  // version it returns to already served behind the alias (and a rollback is what an
  // operator reaches for when the gate's newer version misbehaves).
  virtual absl::StatusOr<DeploymentRecord> Rollback(const std::string& model,
                                                    const std::string& alias,
                                                    const std::string& actor,
                                                    const std::string& reason) = 0;

  // Records a new active rollout of `spec.candidate` on `spec.alias`; the baseline is the
  // alias's current version. InvalidArgument for out-of-range thresholds or a candidate equal
  // to the baseline; NotFound for a missing alias or candidate; FailedPrecondition when the
  // alias already has an active rollout. A protected alias gates the candidate as SetAlias
  // does, in the same transaction; `override` forces it past (with a non-empty reason, else
  // InvalidArgument), recorded as the rollout's forced and force_reason.
  virtual absl::StatusOr<Rollout> StartRollout(const RolloutSpec& spec, const std::string& actor,
                                               const GateOverride& override) = 0;
  // The same, never forcing.
  absl::StatusOr<Rollout> StartRollout(const RolloutSpec& spec, const std::string& actor) {
    return StartRollout(spec, actor, GateOverride{});
  }
  // The active rollout of the alias, or nullopt.
  virtual absl::StatusOr<std::optional<Rollout>> ActiveRollout(const std::string& model,
                                                               const std::string& alias) = 0;
  // Every rollout of `model`, oldest first.
  virtual absl::StatusOr<std::vector<Rollout>> ListRollouts(const std::string& model) = 0;
  // Ends the active rollout of the alias in `final_state` (not kActive) with `reason`.
  // kPromoted also moves the alias to the candidate (a ledger row, forced when the rollout
  // was; not gated again: the candidate passed the gate when the rollout started, and Protect
  // refuses to protect an alias whose active rollout's candidate would not pass), in the same
  // transaction;
  // kRolledBack appends a ledger row from the alias's version to itself whose reason names
  // the rollout, the candidate and `reason` (the alias stays, and the ledger says why).
  // NotFound when the alias has no active rollout.
  virtual absl::StatusOr<Rollout> FinishRollout(const std::string& model, const std::string& alias,
                                                RolloutState final_state, const std::string& actor,
                                                const std::string& reason) = 0;

  // Records `server`'s latest figures of active rollout `rollout_id` (replacing its earlier
  // row), so that the server judging the rollout sums the fleet's. Does NOT bump the change
  // counter: every server publishes about once a second, and servers re-sync when it moves.
  // InvalidArgument for a server id that is empty, longer than kMaxServerIdLength or not
  // printable ASCII, or a snapshot out of bounds (negative counts, errors above requests,
  // a bucket index outside [0, kMaxObservationBuckets), bucket counts that are not positive
  // or sum above requests); NotFound for an unknown rollout; FailedPrecondition for one that
  // is no longer active. FinishRollout (and an alias move that aborts a rollout) deletes the
  // rollout's rows in its own transaction, so the table holds active rollouts only.
  virtual absl::Status PutRolloutObservation(int64_t rollout_id, const std::string& server,
                                             const ObservationSnapshot& snapshot) = 0;
  // Every server's latest row of the rollout, by server id (empty for a rollout that has none,
  // or has ended). DataLoss naming the rollout and server for a row that does not parse.
  virtual absl::StatusOr<std::vector<ServerObservation>> ListRolloutObservations(
      int64_t rollout_id) = 0;

  // Records what the fleet's leader announced (AnnouncedRoute; one row per model and alias,
  // replacing the earlier one), all of `routes` in one write transaction, announced_at = now.
  // Does NOT bump the change counter: the leader writes it after sending events, and
  // servers re-sync when the counter moves. InvalidArgument for a bad model name or alias, a
  // version below 1, an alias twice in `routes`, or a rollout id that is not a rollout of
  // that model and alias; NotFound for an unknown model or version. Nothing is written on
  // an error.
  virtual absl::Status RecordAnnouncedRoutes(const std::vector<AnnouncedRoute>& routes) = 0;
  // The announced routes of `model` (every model's when nullopt), by model then alias.
  // InvalidArgument for a bad model name; NotFound for an unknown model.
  virtual absl::StatusOr<std::vector<AnnouncedRoute>> ListAnnouncedRoutes(
      const std::optional<std::string>& model) = 0;

  // Attaches `body` as the document `kind` of the version (replacing one of the same kind),
  // in one write transaction that bumps the change counter. InvalidArgument for a bad model
  // name, a kind that is not a tag-key-like name of at most kMaxDocumentKindLength
  // characters, or a body larger than kMaxDocumentBytes; NotFound for an unknown version.
  virtual absl::StatusOr<VersionDocument> PutVersionDocument(const std::string& model,
                                                             int64_t version,
                                                             const std::string& kind,
                                                             const std::string& body,
                                                             const std::string& actor) = 0;
  // The document `kind` of the version, or nullopt when it has none. NotFound for an unknown
  // version.
  virtual absl::StatusOr<std::optional<VersionDocument>> GetVersionDocument(
      const std::string& model, int64_t version, const std::string& kind) = 0;
  // Every document of the version without its body (size set), by kind. NotFound for an
  // unknown version.
  virtual absl::StatusOr<std::vector<VersionDocument>> ListVersionDocuments(
      const std::string& model, int64_t version) = 0;

  // Protects `p.alias` of `p.model` (replacing its protection, if any) as `p.created_by`;
  // the alias need not point anywhere yet. InvalidArgument from ValidateProtection (gate.h);
  // NotFound for an unknown model; FailedPrecondition when the alias has an active rollout,
  // not forced, whose candidate would not pass (abort it, or validate the candidate, first).
  virtual absl::StatusOr<Protection> Protect(const Protection& p) = 0;
  // Removes the protection of the alias. NotFound when it has none.
  virtual absl::Status Unprotect(const std::string& model, const std::string& alias) = 0;
  // The protections of `model`, by alias. NotFound for an unknown model.
  virtual absl::StatusOr<std::vector<Protection>> ListProtections(const std::string& model) = 0;

  // The change counter: increases with every committed write (version, alias, rollout,
  // document, protection; not a server's rollout figures nor an announced route). A server
  // polls it and reloads what it serves when it moves.
  virtual absl::StatusOr<int64_t> ChangeCounter() = 0;

  // The digests every version references (for the artifact store's garbage collection).
  virtual absl::StatusOr<std::set<std::string>> ReferencedDigests() = 0;

  // The schema version of the database (after the migrations applied at open).
  virtual absl::StatusOr<int> SchemaVersion() = 0;
};

// Whether opening a registry may create it: a push creates the SQLite file (and its folder)
// and the artifact folders; reading commands must not leave an empty registry behind a typo.
enum class OpenMode { kCreateIfMissing, kMustExist };

// The schema version this binary writes; a database with a higher one is refused at open.
int LatestSchemaVersion();

// Opens the store at `uri`: "sqlite:PATH" or "postgresql://..." / "postgres://..." (a libpq
// connection URI). With kCreateIfMissing a missing SQLite file (and its folder) is created;
// with kMustExist it is NotFound naming the path. Applies any pending schema migrations in one
// transaction. FailedPrecondition when the database's schema is newer than this binary's;
// InvalidArgument for an unknown URI scheme; Unavailable when the database cannot be reached.
absl::StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(
    const std::string& uri, OpenMode mode = OpenMode::kCreateIfMissing);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_REGISTRY_STORE_H_
