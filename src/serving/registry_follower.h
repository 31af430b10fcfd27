// Serving from the model registry. The follower reads the registry (versions, aliases,
// active rollouts), has the model manager load the versions they point at, and publishes
// where each alias goes only once its version is ready: a moved alias loads its new version
// first and switches after; a version that fails to load leaves the alias where it was.
// It polls the registry's change counter, so that a move by any process takes effect
// within one poll interval (plus the load), and runs the canary analysis of every active
// rollout, writing the verdict (promote, roll back) to the registry.
//
// Several servers may follow one registry (a fleet). Every one of them follows and serves,
// but only the leader (registry/leadership.h: a PostgreSQL advisory lock; on SQLite every
// server leads) judges rollouts and publishes the fleet's events (alias.moved,
// rollout.started, the verdicts). Each round asks whether this server leads, so another
// takes over within a poll interval of the leader's connection closing (and announces what
// the old leader did not; below).
//
// The canary analysis judges the whole fleet's traffic. Every round, each server (leader or
// not; may_lead=false: none) publishes its monitor's figures of every active rollout its
// routes carry to the registry (RegistryStore::PutRolloutObservation, under its server id),
// when they changed and at most once a second per rollout: one small upsert per server per
// active rollout per second, which does not move the change counter. The leader sums every
// server's row, with its own fresh figures in place of its own row, and judges the sum
// (rollout::Judge; the reason says how many servers contributed). A server that died keeps
// its row (its requests happened); a new leader starts from the rows. A failed publish is
// logged at warn (rate-limited) and never stops serving; a failed read of the rows skips
// that round's verdict.
//
// The fleet's alias.moved and rollout.started events survive a change of leader. The
// registry keeps what the fleet last announced of each alias (RegistryStore::
// RecordAnnouncedRoutes: the version and the rollout routed on it; the change counter does
// not move). While leading (and with an event sink), a server's events are the difference
// between the routes it publishes and those announced routes, not between its own previous
// and current routes; after publishing them to the sink it records what it announced. So a
// move that the other servers published while the old leader was dying, or before this
// server led, is announced at this server's first round as leader; a server that does not
// lead neither sends nor records; and the first publication of an alias (no announced row)
// is recorded without an alias.moved. The read happens when this server's routes changed,
// when it starts leading, and after a failure; a failed read or record is logged at warn
// (rate-limited) and retried next round, and what was sent but not recorded is not sent
// again by this server. Delivery is at least once: a leader that dies between sending and
// recording leaves the old announced routes, so the next leader sends those events again
// (receivers de-duplicate on the event's fields, docs/MONITORING.md). The sink's own queue
// is in memory: an event it held when its process died is lost even though recorded.
//
// Thread safety: Sync and the poll thread serialize on the registry; the source may be
// scanned from any thread.
#ifndef BERTH_SERVING_REGISTRY_FOLLOWER_H_
#define BERTH_SERVING_REGISTRY_FOLLOWER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "monitoring/events.h"
#include "registry/leadership.h"
#include "registry/registry.h"
#include "rollout/canary_analysis.h"
#include "rollout/routes.h"
#include "serving/fleet_observations.h"
#include "serving/model_manager.h"
#include "serving/model_source.h"
#include "serving/service_metrics.h"

namespace berth::serving {

struct FollowerOptions {
  std::string registry_uri = registry::kDefaultRegistryUri;
  std::string artifacts_dir;  // empty: registry::DefaultArtifactsDir(registry_uri)
  std::chrono::milliseconds poll_interval{200};
  std::string actor = "berth-serve";  // who the ledger says decided a rollout
  // Where the verdicts this server writes are counted (service_metrics.h); null: nowhere.
  std::shared_ptr<monitoring::Metrics> metrics;
  // Where rollout and alias events go (rollout_events.h); null: nowhere.
  std::shared_ptr<monitoring::EventSink> events;
  // Whether this process may lead the servers following the registry (judge rollouts, send
  // the fleet's events) and shares its rollout figures. False for a process that may be
  // frozen between requests (a Lambda function, which would hold the lock while frozen).
  bool may_lead = true;
  // Who this server is among those sharing rollout figures; empty: ProcessServerId()
  // (fleet_observations.h). Two followers in one process need distinct ids.
  std::string server_id;
  // Makes the Leadership that says whether this server leads (used when may_lead); empty:
  // registry::OpenLeadership(registry_uri). A seam for tests, which decide who leads among
  // followers of one SQLite registry (where every server would).
  std::function<absl::StatusOr<std::unique_ptr<registry::Leadership>>()> leadership;
};

class RegistryFollower {
 public:
  // Opens the registry (Unavailable or InvalidArgument as registry::Registry::Open says).
  static absl::StatusOr<std::unique_ptr<RegistryFollower>> Open(const FollowerOptions& options);
  // Stops the poll thread.
  ~RegistryFollower();
  RegistryFollower(const RegistryFollower&) = delete;
  RegistryFollower& operator=(const RegistryFollower&) = delete;

  // For ServiceOptions: the source (each model's aliased and candidate versions, as
  // content-addressed blobs), the routes the service reads, the rollouts' monitor, and the
  // loader (checks each blob's digest before the engine loads it).
  std::shared_ptr<ModelSource> source() const;
  std::shared_ptr<const rollout::Routes> routes() const { return routes_; }
  std::shared_ptr<rollout::RolloutMonitor> monitor() const { return monitor_; }
  ModelLoadFn loader() const;

  // One round: load what the registry points at through `manager`, publish the routes of the
  // versions that are ready, retire what no route needs any more, judge the active rollouts.
  // Returns the first load error (the other models still follow).
  absl::Status Sync(ModelManager& manager);

  // Polls the change counter every poll interval from a thread of its own, and Syncs when it
  // moved (or when the last Sync left something to retire). `manager` must outlive Stop.
  void Start(ModelManager* manager);
  void Stop();

  // Whether this server led at its last round (false before the first).
  bool leading() const { return leading_.load(); }
  // The id under which this server publishes its rollout figures.
  const std::string& server_id() const { return server_id_; }

  class Source;  // registry_follower.cc

 private:
  explicit RegistryFollower(const FollowerOptions& options);
  void PollLoop(ModelManager* manager);
  // Publishes `model`'s routes from what the last scan found, keeping an alias on its
  // published version while its new one is not ready. Returns whether anything changed.
  bool PublishModel(ModelManager& manager, const std::string& model);
  // The active rollouts whose candidate the routes carry: those that have had traffic.
  std::vector<registry::Rollout> RoutedRollouts() const;
  // Each round after the routes: ShareFigures, then JudgeRollouts.
  void FleetRound();
  // Publishes this server's figures of each routed rollout (changed, at most once a second).
  void ShareFigures(const std::vector<registry::Rollout>& rollouts);
  // Judges every routed rollout on the fleet's figures (JudgeRollout), when leading.
  void JudgeRollouts(const std::vector<registry::Rollout>& rollouts);
  // Writes the verdict, if any; an error when the fleet's figures could not be read.
  absl::Status JudgeRollout(const registry::Rollout& r);
  // Logs a failed poll at warn, once per distinct message or minute; and when it recovers.
  void WarnNow(const std::string& what, const absl::Status& status);

  // A warning that every round would repeat: logged when it changes, or once a minute.
  struct RepeatedWarning {
    std::string last;
    std::chrono::steady_clock::time_point at;
    void Warn(const std::string& message);
  };
  // What this server last published of a rollout, and when.
  struct Published {
    std::array<int64_t, 4> counts = {};        // requests, errors of the baseline, the candidate
    std::chrono::steady_clock::time_point at;  // the clock's epoch before the first
  };
  // Asks the leadership whether this server leads now; logs and counts a change.
  void UpdateLeadership();
  // While leading with an event sink, and due: sends the events of the routes this server
  // publishes against the fleet's announced routes, then records them (see above).
  void AnnounceRoutes();
  // Sends the events of `model`'s `routes` against what its listeners heard (`in_table`, the
  // registry's announced routes, with unrecorded_ over it); adds what differs from
  // `in_table` to `to_record` (and to unrecorded_).
  void AnnounceModel(const std::string& model, const rollout::ModelRoutes& routes,
                     const rollout::ModelRoutes& in_table, absl::Time now,
                     std::vector<registry::AnnouncedRoute>& to_record);

  const FollowerOptions options_;
  std::shared_ptr<Source> source_;
  std::shared_ptr<rollout::Routes> routes_ = std::make_shared<rollout::Routes>();
  std::shared_ptr<rollout::RolloutMonitor> monitor_ = std::make_shared<rollout::RolloutMonitor>();
  std::unique_ptr<VerdictMetrics> verdicts_;          // null without metrics
  std::unique_ptr<registry::Leadership> leadership_;  // used under sync_mu_; null: never leads
  std::atomic<bool> leading_{false};
  std::mutex sync_mu_;           // one Sync at a time
  int64_t last_counter_ = -1;    // guarded by sync_mu_
  bool retire_pending_ = false;  // guarded by sync_mu_
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread poller_;
  RepeatedWarning poll_warning_;  // used by the poll thread only
  std::string server_id_;
  std::map<int64_t, Published> published_;  // by rollout id; guarded by sync_mu_
  RepeatedWarning share_warning_;           // guarded by sync_mu_
  RepeatedWarning judge_warning_;           // guarded by sync_mu_
  // Whether AnnounceRoutes must read the announced routes at its next round as leader.
  bool announce_due_ = true;  // guarded by sync_mu_
  // Routes this server sent events for and could not record yet (model -> alias -> the
  // route's version and rollout id), so that the retry does not send them again.
  std::map<std::string, rollout::ModelRoutes> unrecorded_;  // guarded by sync_mu_
  RepeatedWarning announce_warning_;                        // guarded by sync_mu_
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_REGISTRY_FOLLOWER_H_
