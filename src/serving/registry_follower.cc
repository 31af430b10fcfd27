#include "serving/registry_follower.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/runtime/model.h"
#include "monitoring/logging.h"
#include "serving/rollout_events.h"
#include "spdlog/spdlog.h"

namespace berth::serving {

// The registry as a model source. Each scan also keeps what it read of the model's aliases
// and rollouts, from which the follower publishes the routes.
class RegistryFollower::Source final : public ModelSource {
 public:
  struct Scanned {
    std::vector<registry::Alias> aliases;
    std::vector<registry::Rollout> rollouts;  // the active ones
  };

  Source(std::unique_ptr<registry::Registry> registry,
         std::shared_ptr<const rollout::Routes> routes)
      : registry_(std::move(registry)), routes_(std::move(routes)) {}

  absl::StatusOr<std::vector<RepositoryModel>> ScanAll() override {
    std::vector<std::string> names;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ASSIGN_OR_RETURN(names, registry_->Models());
    }
    std::vector<RepositoryModel> models;
    for (const std::string& name : names) models.push_back(Scan(name));
    return models;
  }

  RepositoryModel Scan(const std::string& name) override {
    RepositoryModel m;
    m.name = name;
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<std::vector<registry::ModelVersion>> versions = registry_->Versions(name);
    if (!versions.ok()) {
      m.status = versions.status();
      // A model gone from the registry stops serving; a failed read keeps the last routes.
      if (absl::IsNotFound(versions.status())) scanned_.erase(name);
      return m;
    }
    Scanned s;
    absl::StatusOr<std::vector<registry::Alias>> aliases = registry_->ListAliases(name);
    absl::StatusOr<std::vector<registry::Rollout>> rollouts = registry_->Rollouts(name);
    if (!aliases.ok() || !rollouts.ok()) {
      m.status = aliases.ok() ? rollouts.status() : aliases.status();
      return m;  // the last scan's routes stay as they were
    }
    s.aliases = *std::move(aliases);
    for (registry::Rollout& r : *rollouts) {
      if (r.state == registry::RolloutState::kActive) s.rollouts.push_back(std::move(r));
    }
    std::set<int64_t> wanted;
    for (const registry::Alias& a : s.aliases) wanted.insert(a.version);
    for (const registry::Rollout& r : s.rollouts) wanted.insert(r.spec.candidate);
    // What is published keeps loaded until the routes have moved off it.
    for (const auto& [alias, route] : routes_->ForModel(name)) wanted.insert(route.version);
    for (const registry::ModelVersion& v : *versions) {
      if (!wanted.count(v.version)) continue;
      m.versions[v.version] = registry_->artifacts().BlobPath(v.digest);
      m.digests[v.version] = v.digest;
      m.selected.push_back(v.version);
    }
    if (m.selected.empty()) {
      m.status = absl::FailedPreconditionError(
          absl::StrCat("no alias of model '", name, "' points at a version yet (berth alias set)"));
    }
    scanned_[name] = std::move(s);
    return m;
  }

  std::string Description() const override { return "the model registry"; }

  absl::StatusOr<std::optional<std::string>> ReadProfile(const RepositoryModel& model,
                                                         int64_t version) override {
    std::lock_guard<std::mutex> lock(mu_);
    ASSIGN_OR_RETURN(std::optional<registry::VersionDocument> doc,
                     registry_->Document(model.name, version, registry::kProfileDocument));
    if (!doc) return std::nullopt;
    return std::move(doc->body);
  }

  std::optional<Scanned> Latest(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = scanned_.find(name);
    if (it == scanned_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> ScannedModels() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, s] : scanned_) names.push_back(name);
    return names;
  }
  absl::StatusOr<int64_t> ChangeCounter() {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->ChangeCounter();
  }
  absl::StatusOr<registry::Rollout> FinishRollout(const registry::RolloutSpec& spec,
                                                  registry::RolloutState state,
                                                  const std::string& actor,
                                                  const std::string& reason) {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->FinishRollout(spec.model, spec.alias, state, actor, reason);
  }
  absl::Status PutFigures(int64_t rollout_id, const std::string& server,
                          const registry::ObservationSnapshot& snapshot) {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->PutRolloutObservation(rollout_id, server, snapshot);
  }
  absl::StatusOr<std::vector<registry::ServerObservation>> Figures(int64_t rollout_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->RolloutObservations(rollout_id);
  }
  absl::StatusOr<std::vector<registry::AnnouncedRoute>> AnnouncedRoutes() {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->AnnouncedRoutes();
  }
  absl::Status RecordAnnounced(const std::vector<registry::AnnouncedRoute>& routes) {
    std::lock_guard<std::mutex> lock(mu_);
    return registry_->RecordAnnouncedRoutes(routes);
  }
  const registry::ArtifactStore& artifacts() const { return registry_->artifacts(); }

 private:
  mutable std::mutex mu_;
  std::unique_ptr<registry::Registry> registry_;  // guarded by mu_ (one connection)
  const std::shared_ptr<const rollout::Routes> routes_;
  std::map<std::string, Scanned> scanned_;  // guarded by mu_
};

absl::StatusOr<std::unique_ptr<RegistryFollower>> RegistryFollower::Open(
    const FollowerOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> registry,
                   registry::Registry::Open(options.registry_uri, options.artifacts_dir));
  std::unique_ptr<registry::Leadership> leadership;
  if (options.may_lead) {
    ASSIGN_OR_RETURN(leadership, options.leadership
                                     ? options.leadership()
                                     : registry::OpenLeadership(options.registry_uri));
  }
  std::unique_ptr<RegistryFollower> follower(new RegistryFollower(options));
  follower->leadership_ = std::move(leadership);
  follower->server_id_ = options.server_id.empty() ? ProcessServerId() : options.server_id;
  if (follower->verdicts_) follower->verdicts_->SetLeader(false);
  follower->source_ = std::make_shared<Source>(std::move(registry), follower->routes_);
  return follower;
}

RegistryFollower::RegistryFollower(const FollowerOptions& options)
    : options_(options),
      verdicts_(options.metrics ? std::make_unique<VerdictMetrics>(*options.metrics) : nullptr) {}

RegistryFollower::~RegistryFollower() { Stop(); }

std::shared_ptr<ModelSource> RegistryFollower::source() const { return source_; }

ModelLoadFn RegistryFollower::loader() const {
  std::shared_ptr<Source> source = source_;
  return [source](const std::filesystem::path& file, const engine::ModelOptions& options)
             -> absl::StatusOr<std::unique_ptr<engine::Model>> {
    // A blob's name is its digest: check the content against it before loading.
    ASSIGN_OR_RETURN(std::string path, source->artifacts().OpenVerified(file.filename().string()));
    return engine::Model::LoadFromFile(path, options);
  };
}

bool RegistryFollower::PublishModel(ModelManager& manager, const std::string& model) {
  std::optional<Source::Scanned> scanned = source_->Latest(model);
  const rollout::ModelRoutes current = routes_->ForModel(model);
  rollout::ModelRoutes next;
  const auto ready = [&](int64_t v) { return manager.Get(model, v).ok(); };
  for (const registry::Alias& a : scanned ? scanned->aliases : std::vector<registry::Alias>{}) {
    rollout::AliasRoute route;
    auto published = current.find(a.alias);
    if (ready(a.version)) {
      route.version = a.version;
    } else if (published != current.end()) {
      route.version = published->second.version;
      monitoring::Log(spdlog::level::warn,
                      "the alias's version is not ready; still serving the one before",
                      monitoring::LogFields()
                          .Add("model", model)
                          .Add("alias", a.alias)
                          .Add("version", a.version)
                          .Add("serving_version", route.version));
    } else {
      continue;
    }
    for (const registry::Rollout& r : scanned->rollouts) {
      if (r.spec.alias != a.alias || !ready(r.spec.candidate)) continue;
      route.rollout =
          rollout::RolloutRoute{r.id, r.spec.candidate, r.spec.canary_percent, r.spec.shadow};
    }
    next[a.alias] = route;
  }
  if (current == next) return false;
  // Every server sees the move; the leader tells the fleet's listeners (AnnounceRoutes).
  if (next.empty()) {
    routes_->Remove(model);
  } else {
    routes_->Publish(model, std::move(next));
  }
  return true;
}

absl::Status RegistryFollower::Sync(ModelManager& manager) {
  std::lock_guard<std::mutex> lock(sync_mu_);
  UpdateLeadership();
  absl::StatusOr<int64_t> counter = source_->ChangeCounter();
  absl::Status loaded = manager.LoadAll();
  bool changed = false;
  std::vector<std::string> models = source_->ScannedModels();
  for (const std::string& model : models) changed |= PublishModel(manager, model);
  for (const auto& [model, routes] : routes_->All()) {
    if (std::find(models.begin(), models.end(), model) == models.end()) {
      routes_->Remove(model);
      changed = true;
    }
  }
  // Versions the routes just left are retired by the next round's scan.
  retire_pending_ = changed;
  if (counter.ok()) last_counter_ = *counter;
  if (changed) announce_due_ = true;
  AnnounceRoutes();
  FleetRound();
  return loaded;
}

void RegistryFollower::UpdateLeadership() {
  const bool now = leadership_ != nullptr && leadership_->Lead();
  if (now == leading_.exchange(now)) return;
  if (verdicts_) verdicts_->SetLeader(now);
  monitoring::Log(spdlog::level::info,
                  now ? "leading the fleet: this server now judges rollouts and sends the "
                        "fleet's events"
                      : "no longer leading the fleet: another server judges rollouts",
                  monitoring::LogFields().Add("leader", int64_t{now ? 1 : 0}));
}

namespace {

// What an announcement says of a route: its version and the id of the rollout on it.
rollout::AliasRoute AsAnnounced(const rollout::AliasRoute& route) {
  rollout::AliasRoute announced;
  announced.version = route.version;
  if (route.rollout) announced.rollout = rollout::RolloutRoute{.id = route.rollout->id};
  return announced;
}

rollout::AliasRoute AsAnnounced(const registry::AnnouncedRoute& row) {
  rollout::AliasRoute announced;
  announced.version = row.version;
  if (row.rollout_id) announced.rollout = rollout::RolloutRoute{.id = *row.rollout_id};
  return announced;
}

}  // namespace

void RegistryFollower::AnnounceModel(const std::string& model, const rollout::ModelRoutes& routes,
                                     const rollout::ModelRoutes& in_table, absl::Time now,
                                     std::vector<registry::AnnouncedRoute>& to_record) {
  rollout::ModelRoutes& unrecorded = unrecorded_[model];
  // What the listeners heard last: the table, or what this server sent since.
  rollout::ModelRoutes heard = in_table;
  for (const auto& [alias, route] : unrecorded) heard[alias] = route;
  const std::optional<Source::Scanned> scanned = source_->Latest(model);
  for (monitoring::Event& e :
       RouteChangeEvents(model, heard, routes,
                         scanned ? scanned->rollouts : std::vector<registry::Rollout>{}, now)) {
    options_.events->Publish(std::move(e));
  }
  for (const auto& [alias, route] : routes) {
    const rollout::AliasRoute announced = AsAnnounced(route);
    auto row = in_table.find(alias);
    if (row != in_table.end() && row->second == announced) {
      unrecorded.erase(alias);
      continue;
    }
    unrecorded[alias] = announced;
    registry::AnnouncedRoute record;
    record.model = model;
    record.alias = alias;
    record.version = announced.version;
    if (announced.rollout) record.rollout_id = announced.rollout->id;
    to_record.push_back(std::move(record));
  }
}

void RegistryFollower::AnnounceRoutes() {
  if (!options_.events || !leading_.load()) {
    // What this server sent and did not record is the next leader's to send again.
    unrecorded_.clear();
    announce_due_ = true;  // a server that starts leading reads what the fleet announced
    return;
  }
  if (!announce_due_) return;
  absl::StatusOr<std::vector<registry::AnnouncedRoute>> rows = source_->AnnouncedRoutes();
  if (!rows.ok()) {
    announce_warning_.Warn(
        absl::StrCat("could not read the fleet's announced routes (alias and "
                     "rollout events wait for the next round): ",
                     rows.status().message()));
    return;
  }
  std::map<std::string, rollout::ModelRoutes> recorded;
  for (const registry::AnnouncedRoute& row : *rows) {
    recorded[row.model][row.alias] = AsAnnounced(row);
  }
  std::vector<registry::AnnouncedRoute> to_record;
  const absl::Time now = absl::Now();
  for (const auto& [model, routes] : routes_->All()) {
    AnnounceModel(model, routes, recorded[model], now, to_record);
  }
  const absl::Status recorded_status =
      to_record.empty() ? absl::OkStatus() : source_->RecordAnnounced(to_record);
  if (!recorded_status.ok()) {
    announce_warning_.Warn(
        absl::StrCat("could not record the fleet's announced routes (retried "
                     "next round; a new leader would announce them again): ",
                     recorded_status.message()));
    return;
  }
  unrecorded_.clear();
  announce_due_ = false;
  announce_warning_.last.clear();
}

std::vector<registry::Rollout> RegistryFollower::RoutedRollouts() const {
  std::vector<registry::Rollout> routed;
  for (const auto& [model, routes] : routes_->All()) {
    std::optional<Source::Scanned> scanned = source_->Latest(model);
    if (!scanned) continue;
    for (const registry::Rollout& r : scanned->rollouts) {
      // Only a rollout whose candidate the routes carry has had traffic to judge.
      auto route = routes.find(r.spec.alias);
      if (route != routes.end() && route->second.rollout && route->second.rollout->id == r.id) {
        routed.push_back(r);
      }
    }
  }
  return routed;
}

void RegistryFollower::FleetRound() {
  const std::vector<registry::Rollout> rollouts = RoutedRollouts();
  std::set<int64_t> routed;
  for (const registry::Rollout& r : rollouts) routed.insert(r.id);
  monitor_->Retain(routed);  // the figures of rollouts that ended (here or elsewhere)
  ShareFigures(rollouts);
  JudgeRollouts(rollouts);
}

void RegistryFollower::ShareFigures(const std::vector<registry::Rollout>& rollouts) {
  if (!options_.may_lead) return;  // a process that does not stay up shares nothing
  std::map<int64_t, Published> kept;
  std::vector<std::string> failed;  // one warning a round, however many rollouts failed
  absl::Status first_failure;
  const auto now = std::chrono::steady_clock::now();
  for (const registry::Rollout& r : rollouts) {
    Published& last = kept[r.id];
    if (auto it = published_.find(r.id); it != published_.end()) last = it->second;
    const rollout::RolloutObservation own = monitor_->Observe(r.id);
    const std::array<int64_t, 4> counts = {own.baseline.requests, own.baseline.errors,
                                           own.candidate.requests, own.candidate.errors};
    // The histograms change only with the counts.
    if (counts == last.counts || now - last.at < std::chrono::seconds(1)) continue;
    absl::Status put = source_->PutFigures(r.id, server_id_, ToSnapshot(own));
    if (put.ok()) {
      last = Published{counts, now};
    } else if (!absl::IsFailedPrecondition(put)) {  // ended meanwhile: the next scan says so
      failed.push_back(absl::StrCat(r.id, " (", r.spec.model, "/", r.spec.alias, ")"));
      if (first_failure.ok()) first_failure = put;
    }
  }
  published_ = std::move(kept);  // rollouts no longer routed are forgotten
  if (!failed.empty()) {
    share_warning_.Warn(absl::StrCat("could not share this server's figures of rollout ",
                                     absl::StrJoin(failed, ", "),
                                     " with the fleet (serving goes on; the leader judges on "
                                     "this server's last shared figures): ",
                                     first_failure.message()));
  }
}

void RegistryFollower::JudgeRollouts(const std::vector<registry::Rollout>& rollouts) {
  if (!leading_.load()) return;     // the leader decides for the fleet
  std::vector<std::string> unread;  // one warning a round, however many rollouts
  absl::Status first_failure;
  for (const registry::Rollout& r : rollouts) {
    absl::Status judged = JudgeRollout(r);
    if (judged.ok()) continue;
    unread.push_back(absl::StrCat(r.id, " (", r.spec.model, "/", r.spec.alias, ")"));
    if (first_failure.ok()) first_failure = judged;
  }
  if (!unread.empty()) {
    judge_warning_.Warn(absl::StrCat("rollout ", absl::StrJoin(unread, ", "),
                                     " not judged this round: the fleet's figures could not be "
                                     "read: ",
                                     first_failure.message()));
  }
}

absl::Status RegistryFollower::JudgeRollout(const registry::Rollout& r) {
  const rollout::RolloutThresholds t{r.spec.max_error_rate, r.spec.max_p99_ratio,
                                     r.spec.min_requests, r.spec.bake_secs};
  const bool baked = absl::Now() - r.started_at >= absl::Seconds(r.spec.bake_secs);
  // The fleet's figures: every server's row, this server's own fresh ones in place of its row.
  ASSIGN_OR_RETURN(std::vector<registry::ServerObservation> rows, source_->Figures(r.id));
  ASSIGN_OR_RETURN(rollout::RolloutObservation fleet,
                   FleetObservation(rows, server_id_, monitor_->Observe(r.id)));
  const rollout::Judgement j = rollout::Judge(t, fleet, baked);
  if (j.verdict == rollout::Verdict::kWait) return absl::OkStatus();
  const auto state = j.verdict == rollout::Verdict::kPromote ? registry::RolloutState::kPromoted
                                                             : registry::RolloutState::kRolledBack;
  absl::StatusOr<registry::Rollout> done =
      source_->FinishRollout(r.spec, state, options_.actor, j.reason);
  if (done.ok()) {
    monitoring::Log(spdlog::level::info,
                    absl::StrCat("rollout ", registry::RolloutStateName(state), ": ", j.reason),
                    monitoring::LogFields()
                        .Add("model", r.spec.model)
                        .Add("alias", r.spec.alias)
                        .Add("version", r.spec.candidate)
                        .Add("rollout", r.id));
    monitor_->Forget(r.id);
    if (verdicts_) {
      verdicts_->CountVerdict(r.spec.model, r.spec.alias,
                              state == registry::RolloutState::kPromoted);
    }
    if (options_.events) options_.events->Publish(VerdictEvent(r, state, j.reason, absl::Now()));
  } else {
    // Another server may have decided first; the next round reads what it decided.
    monitoring::Log(spdlog::level::info,
                    absl::StrCat("rollout not ended here: ", done.status().message()),
                    monitoring::LogFields()
                        .Add("model", r.spec.model)
                        .Add("alias", r.spec.alias)
                        .Add("version", r.spec.candidate)
                        .Add("rollout", r.id));
  }
  return absl::OkStatus();
}

void RegistryFollower::Start(ModelManager* manager) {
  poller_ = std::thread([this, manager] { PollLoop(manager); });
}

void RegistryFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void RegistryFollower::RepeatedWarning::Warn(const std::string& message) {
  const auto now = std::chrono::steady_clock::now();
  if (message != last || now - at > std::chrono::minutes(1)) {
    spdlog::warn("{}", message);
    at = now;
  }
  last = message;
}

void RegistryFollower::WarnNow(const std::string& what, const absl::Status& status) {
  // Every poll would repeat a lasting failure: say it when it changes, or once a minute.
  if (status.ok()) {
    if (!poll_warning_.last.empty()) {
      spdlog::info("registry: following again (was: {})", poll_warning_.last);
    }
    poll_warning_.last.clear();
    return;
  }
  poll_warning_.Warn(what + std::string(status.message()));
}

void RegistryFollower::PollLoop(ModelManager* manager) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_; })) {
    lock.unlock();
    absl::StatusOr<int64_t> counter = source_->ChangeCounter();
    bool due;
    {
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      due = !counter.ok() || *counter != last_counter_ || retire_pending_;
    }
    if (!counter.ok()) {
      WarnNow("registry poll: ", counter.status());
    } else if (due) {
      WarnNow("registry sync: ", Sync(*manager));
    } else {
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      UpdateLeadership();
      AnnounceRoutes();
      FleetRound();
    }
    lock.lock();
  }
}

}  // namespace berth::serving
