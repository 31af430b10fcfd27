// Several RegistryFollowers on one SQLite registry (where every server leads): each shares
// its monitor's figures of a rollout through the registry, and the verdict is taken on the
// fleet's sum. Then, with a Leadership the test switches (FollowerOptions::leadership), the
// fleet's alias and rollout events across a change of leader.
#include "serving/registry_follower.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry/registry_test_util.h"
#include "serving/test_repository.h"

namespace berth::serving {
namespace {

// A server: a follower and the model manager it loads through.
struct Server {
  std::unique_ptr<RegistryFollower> follower;
  std::unique_ptr<ModelManager> manager;

  void Sync() { ASSERT_TRUE(follower->Sync(*manager).ok()); }
  // `n` requests on each arm of `rollout`, the first `errors` of the candidate's failing.
  void Serve(int64_t rollout, int n, int errors = 0) {
    for (int i = 0; i < n; ++i) {
      follower->monitor()->Record(rollout, false, true, 1000 + i % 50);
      follower->monitor()->Record(rollout, true, i >= errors, 1000 + i % 50);
    }
  }
};

class FleetCanaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = registry::testing::MakeTempDir();
    uri_ = "sqlite:" + dir + "/registry.db";
    absl::StatusOr<std::unique_ptr<registry::Registry>> r = registry::Registry::Open(uri_);
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = *std::move(r);
    for (float bias : {1.f, 2.f}) {
      const std::string path = dir + "/model.onnx";
      std::ofstream(path, std::ios::binary) << testing::ModelBytes(bias);
      registry::PushOptions push;
      push.name = "m";
      push.actor = "test";
      ASSERT_TRUE(registry_->Push(path, push).ok());
    }
    ASSERT_TRUE(registry_->SetAlias("m", "production", 1, "test", "first").ok());
  }

  // A rollout of version 2 on production, 50% canary, the p99 limit out of reach.
  int64_t StartRollout(int64_t min_requests, int64_t bake_secs) {
    registry::RolloutSpec spec;
    spec.model = "m";
    spec.alias = "production";
    spec.candidate = 2;
    spec.canary_percent = 50;
    spec.max_p99_ratio = 1000;
    spec.min_requests = min_requests;
    spec.bake_secs = bake_secs;
    absl::StatusOr<registry::Rollout> r = registry_->StartRollout(spec, "test");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : 0;
  }

  // A server following the registry, synced once (its routes carry the active rollout).
  std::unique_ptr<Server> Start(const std::string& id, bool may_lead = true) {
    FollowerOptions options;
    options.may_lead = may_lead;
    return Start(id, std::move(options));
  }
  // The same with `options` (its registry and server id set here).
  std::unique_ptr<Server> Start(const std::string& id, FollowerOptions options) {
    options.registry_uri = uri_;
    options.server_id = id;
    absl::StatusOr<std::unique_ptr<RegistryFollower>> f = RegistryFollower::Open(options);
    EXPECT_TRUE(f.ok()) << f.status();
    if (!f.ok()) return nullptr;
    auto server = std::make_unique<Server>();
    server->manager = std::make_unique<ModelManager>((*f)->source(), (*f)->loader(), 1);
    server->follower = *std::move(f);
    server->Sync();
    return server;
  }

  // Two servers, "host-a:1:aa" and "host-b:2:bb".
  std::pair<std::unique_ptr<Server>, std::unique_ptr<Server>> StartTwo() {
    return {Start("host-a:1:aa"), Start("host-b:2:bb")};
  }

  registry::Rollout Latest() {
    absl::StatusOr<std::vector<registry::Rollout>> all = registry_->Rollouts("m");
    EXPECT_TRUE(all.ok() && !all->empty()) << all.status();
    return all.ok() && !all->empty() ? all->back() : registry::Rollout{};
  }

  // The latest rollout ended in `state`, its reason naming each of `figures`.
  void ExpectEnded(registry::RolloutState state, const std::vector<std::string>& figures) {
    const registry::Rollout r = Latest();
    EXPECT_EQ(r.state, state) << r.reason;
    for (const std::string& f : figures) EXPECT_NE(r.reason.find(f), std::string::npos) << r.reason;
  }

  std::vector<registry::ServerObservation> Rows(int64_t rollout) {
    absl::StatusOr<std::vector<registry::ServerObservation>> rows =
        registry_->RolloutObservations(rollout);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.value_or(std::vector<registry::ServerObservation>{});
  }

  std::string uri_;
  std::unique_ptr<registry::Registry> registry_;
};

TEST_F(FleetCanaryTest, MinRequestsAreReachedByTheServersTogetherEvenOneThatDied) {
  const int64_t id = StartRollout(/*min_requests=*/100, /*bake_secs=*/0);
  auto [a, b] = StartTwo();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->follower->leading() && b->follower->leading());  // SQLite: every one leads
  EXPECT_TRUE(Rows(id).empty()) << "nothing served, nothing published";

  a->Serve(id, 60);
  a->Sync();  // publishes 60; alone, 60 < 100
  EXPECT_EQ(Latest().state, registry::RolloutState::kActive);
  ASSERT_EQ(Rows(id).size(), 1u);
  EXPECT_EQ(Rows(id)[0].snapshot.candidate.requests, 60);
  a.reset();  // a server that dies keeps its row: its requests happened

  b->Serve(id, 60);
  b->Sync();
  ExpectEnded(registry::RolloutState::kPromoted, {"over 120 requests", "over 2 servers"});
  EXPECT_TRUE(Rows(id).empty()) << "deleted with the verdict";
  EXPECT_EQ(*registry_->store().GetAlias("m", "production"), 2);
}

TEST_F(FleetCanaryTest, ErrorsOnlyOnAServerThatDoesNotJudgeRollTheRolloutBack) {
  const int64_t id = StartRollout(/*min_requests=*/100, /*bake_secs=*/3600);
  auto [judge, other] = StartTwo();
  ASSERT_TRUE(judge && other);
  other->Serve(id, 50, /*errors=*/10);
  other->Sync();  // publishes; alone it has too few requests for a verdict
  EXPECT_EQ(Latest().state, registry::RolloutState::kActive);

  judge->Serve(id, 100);  // clean: on its own figures it would wait for the bake
  judge->Sync();
  ExpectEnded(registry::RolloutState::kRolledBack,
              {"error rate 0.0667 over 150 requests", "over 2 servers"});
  EXPECT_EQ(*registry_->store().GetAlias("m", "production"), 1);
  // The server that did not judge drops its figures of the ended rollout at its next round.
  EXPECT_EQ(other->follower->monitor()->Observe(id).candidate.requests, 50);
  other->Sync();
  EXPECT_EQ(other->follower->monitor()->Observe(id).candidate.requests, 0);
}

TEST_F(FleetCanaryTest, TheJudgeCountsItsOwnFreshFiguresOnce) {
  const int64_t id = StartRollout(/*min_requests=*/150, /*bake_secs=*/0);
  auto [a, b] = StartTwo();
  ASSERT_TRUE(a && b);
  a->Serve(id, 60);
  a->Sync();  // a's row: 60
  b->Serve(id, 40);
  b->Sync();  // b's row: 40; 100 in all
  EXPECT_EQ(Latest().state, registry::RolloutState::kActive);
  a->Serve(id, 60);  // a has served 120; its row still says 60 (published under 1 s ago)
  a->Sync();
  // 120 fresh + 40: neither its older row (100 in all) nor both (220).
  ExpectEnded(registry::RolloutState::kPromoted, {"over 160 requests", "over 2 servers"});
}

TEST_F(FleetCanaryTest, FiguresArePublishedWhenChangedAtMostOnceASecond) {
  const int64_t id = StartRollout(/*min_requests=*/10000, /*bake_secs=*/3600);
  std::unique_ptr<Server> a = Start("host-a:1:aa");
  ASSERT_TRUE(a);
  const int64_t counter = *registry_->ChangeCounter();
  a->Serve(id, 10);
  a->Sync();
  ASSERT_EQ(Rows(id).size(), 1u);
  const absl::Time first = Rows(id)[0].updated_at;
  EXPECT_EQ(Rows(id)[0].server, "host-a:1:aa");
  a->Serve(id, 10);
  a->Sync();
  EXPECT_EQ(Rows(id)[0].snapshot.candidate.requests, 10) << "under a second since the last";
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  a->Sync();
  EXPECT_EQ(Rows(id)[0].snapshot.candidate.requests, 20);
  EXPECT_EQ(Rows(id)[0].snapshot.baseline.requests, 20);
  const absl::Time second = Rows(id)[0].updated_at;
  EXPECT_GT(second, first);
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  a->Sync();
  EXPECT_EQ(Rows(id)[0].updated_at, second) << "unchanged figures are not published again";
  EXPECT_EQ(*registry_->ChangeCounter(), counter) << "publishing never wakes the other servers";
}

TEST_F(FleetCanaryTest, AServerThatMayNotLeadPublishesNothing) {
  const int64_t id = StartRollout(/*min_requests=*/10, /*bake_secs=*/0);
  std::unique_ptr<Server> lambda = Start("lambda:1:00", /*may_lead=*/false);
  ASSERT_TRUE(lambda);
  lambda->Serve(id, 50);
  lambda->Sync();
  EXPECT_FALSE(lambda->follower->leading());
  EXPECT_TRUE(Rows(id).empty());
  EXPECT_EQ(Latest().state, registry::RolloutState::kActive);
}

TEST_F(FleetCanaryTest, AMalformedRowHoldsTheVerdictBackWithoutACrash) {
  const int64_t id = StartRollout(/*min_requests=*/10, /*bake_secs=*/0);
  auto [a, b] = StartTwo();
  ASSERT_TRUE(a && b);
  b->Serve(id, 5);
  b->Sync();
  auto raw = registry::testing::OpenRawDatabase(uri_);
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE((*raw)->Query("UPDATE rollout_observations SET candidate_latency = 'junk'", {}).ok());
  a->Serve(id, 50);
  a->Sync();  // logs that the fleet's figures could not be read; no verdict on a part of them
  EXPECT_EQ(Latest().state, registry::RolloutState::kActive);
  // Once the row is whole again (b publishes anew), the verdict comes.
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  b->Serve(id, 1);
  b->Sync();
  ExpectEnded(registry::RolloutState::kPromoted, {"over 56 requests", "over 2 servers"});
}

// The events a server sent (its webhook notifier, in production).
class RecordingSink final : public monitoring::EventSink {
 public:
  void Publish(monitoring::Event event) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  std::vector<monitoring::Event> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<monitoring::Event> events_;
};

// Leads while the flag the test holds is set.
class SwitchedLeadership final : public registry::Leadership {
 public:
  explicit SwitchedLeadership(std::shared_ptr<std::atomic<bool>> leads)
      : leads_(std::move(leads)) {}
  bool Lead() override { return leads_->load(); }

 private:
  std::shared_ptr<std::atomic<bool>> leads_;
};

class LeaderHandoverTest : public FleetCanaryTest {
 protected:
  // A server whose leadership `leads` decides, sending its events to its own sink.
  struct Member {
    std::shared_ptr<std::atomic<bool>> leads;
    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
    std::unique_ptr<Server> server;
  };

  Member StartMember(const std::string& id, bool leads, bool with_sink = true) {
    Member m;
    m.leads = std::make_shared<std::atomic<bool>>(leads);
    FollowerOptions options;
    options.events = with_sink ? m.sink : nullptr;
    options.leadership = [flag =
                              m.leads]() -> absl::StatusOr<std::unique_ptr<registry::Leadership>> {
      return std::make_unique<SwitchedLeadership>(flag);
    };
    m.server = Start(id, std::move(options));
    return m;
  }

  // Pushes the next version of "m" (version 3 after the fixture's two).
  void PushVersion(float bias) {
    const std::string path = registry::testing::MakeTempDir() + "/model.onnx";
    std::ofstream(path, std::ios::binary) << testing::ModelBytes(bias);
    registry::PushOptions push;
    push.name = "m";
    push.actor = "test";
    ASSERT_TRUE(registry_->Push(path, push).ok());
  }

  void Move(int64_t version) {
    ASSERT_TRUE(registry_->SetAlias("m", "production", version, "test", "move").ok());
  }

  // What the registry says the fleet announced of m/production: (version, rollout id or 0).
  std::pair<int64_t, int64_t> Announced() {
    absl::StatusOr<std::vector<registry::AnnouncedRoute>> rows = registry_->AnnouncedRoutes("m");
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok() || rows->size() != 1u || (*rows)[0].alias != "production") return {0, 0};
    return {(*rows)[0].version, (*rows)[0].rollout_id.value_or(0)};
  }
};

// (type, from_version, to_version) of an alias.moved event.
std::tuple<std::string, std::string, std::string> Moved(const monitoring::Event& e) {
  std::string from, to;
  for (const auto& [key, value] : e.details) {
    if (key == "from_version") from = value;
    if (key == "to_version") to = value;
  }
  return {e.type, from, to};
}

TEST_F(LeaderHandoverTest, ANewLeaderAnnouncesTheMoveTheOldOneDidNotSeeExactlyOnce) {
  PushVersion(3.f);
  Member a = StartMember("host-a:1:aa", /*leads=*/true);
  Member b = StartMember("host-b:2:bb", /*leads=*/false);
  ASSERT_TRUE(a.server && b.server);
  EXPECT_TRUE(a.server->follower->leading());
  EXPECT_FALSE(b.server->follower->leading());
  // A fresh table: the leader's first publication is recorded, and is not a move.
  EXPECT_TRUE(a.sink->Events().empty());
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{1, 0}));

  // A leads and announces.
  Move(2);
  a.server->Sync();
  b.server->Sync();
  ASSERT_EQ(a.sink->Events().size(), 1u);
  EXPECT_EQ(Moved(a.sink->Events()[0]), std::make_tuple(std::string(monitoring::kAliasMoved),
                                                        std::string("1"), std::string("2")));
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{2, 0}));

  // B, not leading, publishes the next move silently and records nothing.
  Move(3);
  b.server->Sync();
  EXPECT_EQ(b.server->follower->routes()->Find("m", "production")->version, 3);
  EXPECT_TRUE(b.sink->Events().empty());
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{2, 0}));

  // A stops leading without having seen it (it dies, or its lock goes); B takes over.
  a.leads->store(false);
  b.leads->store(true);
  a.server->Sync();  // A sees the move now, as a follower: silent
  EXPECT_FALSE(a.server->follower->leading());
  EXPECT_EQ(a.sink->Events().size(), 1u);
  b.server->Sync();
  EXPECT_TRUE(b.server->follower->leading());
  ASSERT_EQ(b.sink->Events().size(), 1u);
  const monitoring::Event moved = b.sink->Events()[0];
  EXPECT_EQ(Moved(moved), std::make_tuple(std::string(monitoring::kAliasMoved), std::string("2"),
                                          std::string("3")));
  EXPECT_EQ(moved.model, "m");
  EXPECT_EQ(moved.alias, "production");
  EXPECT_EQ(moved.version, 3);
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{3, 0}));

  // Then nothing more, from either.
  b.server->Sync();
  a.server->Sync();
  EXPECT_EQ(b.sink->Events().size(), 1u);
  EXPECT_EQ(a.sink->Events().size(), 1u);
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{3, 0}));
}

TEST_F(LeaderHandoverTest, ARolloutStartedBeforeTheHandoverIsAnnouncedOnceAcrossRestarts) {
  Member a = StartMember("host-a:1:aa", /*leads=*/true);
  Member b = StartMember("host-b:2:bb", /*leads=*/false);
  ASSERT_TRUE(a.server && b.server);
  const int64_t id = StartRollout(/*min_requests=*/1000, /*bake_secs=*/3600);
  b.server->Sync();  // routes the rollout, silently
  a.leads->store(false);
  b.leads->store(true);
  b.server->Sync();
  ASSERT_EQ(b.sink->Events().size(), 1u);
  const monitoring::Event started = b.sink->Events()[0];
  EXPECT_EQ(started.type, monitoring::kRolloutStarted);
  EXPECT_EQ(started.version, 2);
  EXPECT_NE(std::find(started.details.begin(), started.details.end(),
                      std::make_pair(std::string("rollout_id"), absl::StrCat(id))),
            started.details.end());
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{1, id}));
  b.server->Sync();
  EXPECT_EQ(b.sink->Events().size(), 1u);

  // A leader restarted during the rollout does not announce it again: the fleet did.
  b.server.reset();
  Member c = StartMember("host-c:3:cc", /*leads=*/true);
  ASSERT_TRUE(c.server);
  EXPECT_TRUE(c.sink->Events().empty());
  EXPECT_TRUE(a.sink->Events().empty());
}

TEST_F(LeaderHandoverTest, ALeaderWithoutAnEventSinkNeitherReadsNorRecords) {
  Member quiet = StartMember("host-a:1:aa", /*leads=*/true, /*with_sink=*/false);
  ASSERT_TRUE(quiet.server);
  Move(2);
  quiet.server->Sync();
  absl::StatusOr<std::vector<registry::AnnouncedRoute>> rows = registry_->AnnouncedRoutes();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_TRUE(rows->empty()) << "nothing was announced";
  // A leader with a sink that follows then announces the move nobody heard of as a first
  // publication (no earlier announcement: no alias.moved).
  quiet.leads->store(false);
  Member loud = StartMember("host-b:2:bb", /*leads=*/true);
  ASSERT_TRUE(loud.server);
  EXPECT_TRUE(loud.sink->Events().empty());
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{2, 0}));
}

TEST_F(LeaderHandoverTest, AMoveSentButNotRecordedIsSentAgainByTheNextLeader) {
  Member a = StartMember("host-a:1:aa", /*leads=*/true);
  Member b = StartMember("host-b:2:bb", /*leads=*/false);
  ASSERT_TRUE(a.server && b.server);
  Move(2);
  a.server->Sync();
  b.server->Sync();
  ASSERT_EQ(a.sink->Events().size(), 1u);
  // As if A had died between sending and recording: the table still says version 1.
  auto raw = registry::testing::OpenRawDatabase(uri_);
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE((*raw)->Query("UPDATE announced_routes SET version = 1", {}).ok());
  a.leads->store(false);
  b.leads->store(true);
  b.server->Sync();
  ASSERT_EQ(b.sink->Events().size(), 1u) << "at least once";
  EXPECT_EQ(Moved(b.sink->Events()[0]), std::make_tuple(std::string(monitoring::kAliasMoved),
                                                        std::string("1"), std::string("2")));
  EXPECT_EQ(Announced(), (std::pair<int64_t, int64_t>{2, 0}));
}

}  // namespace
}  // namespace berth::serving
