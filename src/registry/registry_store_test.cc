// The RegistryStore suite, run against SQLite and PostgreSQL.
#include "registry/registry_store.h"

#include <libpq-fe.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry/registry_test_util.h"

namespace berth::registry {
namespace {

using testing::InCi;
using testing::MakeTempDir;
using testing::PostgresTestUri;

std::string Digest(char c) { return std::string(64, c); }

VersionContent Version(const std::string& model, char digest = 'a') {
  VersionContent v;
  v.model = model;
  v.digest = Digest(digest);
  v.size = 123;
  v.signature_json = R"({"inputs":[],"outputs":[]})";
  v.pushed_by = "tester";
  return v;
}

class RegistryStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      uri_ = "sqlite:" + MakeTempDir() + "/registry.db";
    } else {
      uri_ = PostgresTestUri();
      if (uri_.empty()) {
        if (InCi()) FAIL() << "CI=true but BERTH_TEST_POSTGRES_URI is not set";
        GTEST_SKIP() << "no PostgreSQL (BERTH_TEST_POSTGRES_URI is not set)";
      }
      testing::ResetPostgres(uri_);
    }
    store_ = Open();
  }

  std::unique_ptr<RegistryStore> Open() {
    absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenRegistryStore(uri_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  int64_t Counter() {
    absl::StatusOr<int64_t> counter = store_->ChangeCounter();
    EXPECT_TRUE(counter.ok()) << counter.status();
    return counter.value_or(-1);
  }

  // Adds versions 1..n of `model`.
  void AddVersions(const std::string& model, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(store_->AddVersion(Version(model)).ok());
  }

  std::string uri_;
  std::unique_ptr<RegistryStore> store_;
};

TEST_P(RegistryStoreTest, FreshDatabaseHasTheLatestSchema) {
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Counter(), 0);
  EXPECT_TRUE(store_->ListModels()->empty());
  std::unique_ptr<RegistryStore> again = Open();  // reopening migrates nothing
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->SchemaVersion(), LatestSchemaVersion());
}

TEST_P(RegistryStoreTest, ConcurrentFirstOpensMigrateOnce) {
  store_.reset();
  if (GetParam() == "sqlite") {
    uri_ = "sqlite:" + MakeTempDir() + "/fresh.db";
  } else {
    testing::ResetPostgres(uri_);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      std::unique_ptr<RegistryStore> store = Open();
      if (store) EXPECT_EQ(*store->SchemaVersion(), LatestSchemaVersion());
    });
  }
  for (std::thread& t : threads) t.join();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(Counter(), 0);  // the one-row tables were seeded once
  AddVersions("m", 1);
  EXPECT_EQ(Counter(), 1);
}

TEST_P(RegistryStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  {
    auto raw = testing::OpenRawDatabase(uri_);
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_TRUE((*raw)->Query("UPDATE schema_version SET version = $1",
                              {int64_t{LatestSchemaVersion() + 1}})
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenRegistryStore(uri_);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_NE(store.status().message().find(absl::StrCat("schema version ",
                                                       LatestSchemaVersion() + 1, ", newer")),
            std::string::npos)
      << store.status();
}

TEST_P(RegistryStoreTest, VersionsAreNumberedPerModelAndRoundTrip) {
  VersionContent v = Version("resnet", 'b');
  v.description = "first";
  v.tags = {{"team", "vision"}, {"dataset", "imagenet"}};
  v.metrics = {{"top1", 0.761}, {"latency_ms", 12}};
  v.derivation = "trained from scratch";
  absl::StatusOr<ModelVersion> first = store_->AddVersion(v);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 1);
  v.parent = 1;
  v.derivation = "quantized int8";
  EXPECT_EQ(store_->AddVersion(v)->version, 2);
  EXPECT_EQ(store_->AddVersion(Version("bert"))->version, 1);

  absl::StatusOr<ModelVersion> got = store_->GetVersion("resnet", 2);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->digest, Digest('b'));
  EXPECT_EQ(got->size, 123);
  EXPECT_EQ(got->signature_json, v.signature_json);
  EXPECT_EQ(got->tags, v.tags);
  EXPECT_EQ(got->metrics, v.metrics);
  EXPECT_EQ(got->parent, 1);
  EXPECT_EQ(got->derivation, "quantized int8");
  EXPECT_EQ(got->pushed_by, "tester");
  EXPECT_EQ(store_->GetVersion("resnet", 1)->created_at, first->created_at);
  EXPECT_EQ(store_->ListVersions("resnet")->size(), 2u);
  EXPECT_EQ(*store_->ListModels(), (std::vector<std::string>{"bert", "resnet"}));
  EXPECT_EQ(*store_->ReferencedDigests(), (std::set<std::string>{Digest('a'), Digest('b')}));
  EXPECT_EQ(store_->GetVersion("resnet", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListVersions("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(RegistryStoreTest, ConcurrentWritersGetDistinctNumbers) {
  constexpr int kWriters = 4, kEach = 5;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> numbers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::unique_ptr<RegistryStore> store = Open();  // one connection per writer
      for (int i = 0; i < kEach && store; ++i) {
        absl::StatusOr<ModelVersion> v = store->AddVersion(Version("shared"));
        EXPECT_TRUE(v.ok()) << v.status();
        if (v.ok()) numbers[w].push_back(v->version);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& n : numbers) all.insert(n.begin(), n.end());
  ASSERT_EQ(all.size(), size_t{kWriters * kEach});
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kWriters * kEach);
}

TEST_P(RegistryStoreTest, BadNamesAreRefusedAndChangeNothing) {
  AddVersions("m", 1);
  const int64_t before = Counter();
  VersionContent bad_tag = Version("m");
  bad_tag.tags = {{"bad key", "x"}};
  VersionContent bad_metric = Version("m");
  bad_metric.metrics = {{"nan", std::nan("")}};
  for (const VersionContent& v : {Version("../etc"), Version(""), bad_tag, bad_metric}) {
    absl::StatusOr<ModelVersion> added = store_->AddVersion(v);
    EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument) << v.model;
  }
  VersionContent bad_digest = Version("m");
  bad_digest.digest = "ABC";
  EXPECT_NE(store_->AddVersion(bad_digest).status().message().find("'ABC'"), std::string::npos);
  for (const char* alias : {"42", "", "a b", "-x"}) {
    EXPECT_EQ(store_->SetAlias("m", alias, 1, "t", "").status().code(),
              absl::StatusCode::kInvalidArgument)
        << alias;
  }
  EXPECT_EQ(store_->SetAlias("m/..", "prod", 1, "t", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  VersionContent bad_parent = Version("m");
  bad_parent.parent = 9;
  absl::StatusOr<ModelVersion> orphan = store_->AddVersion(bad_parent);
  EXPECT_EQ(orphan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(orphan.status().message().find("parent version 9"), std::string::npos);
  EXPECT_EQ(Counter(), before);
  EXPECT_EQ(*store_->ListModels(), std::vector<std::string>{"m"});
  EXPECT_EQ(store_->ListVersions("m")->size(), 1u);
  EXPECT_TRUE(store_->ListAliases("m")->empty());
}

TEST_P(RegistryStoreTest, AliasMovesAreLedgered) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  absl::StatusOr<DeploymentRecord> moved = store_->SetAlias("m", "production", 2, "bob", "better");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->from_version, 1);
  EXPECT_EQ(moved->to_version, 2);
  ASSERT_TRUE(store_->SetAlias("m", "staging", 3, "ann", "").ok());
  EXPECT_EQ(*store_->GetAlias("m", "production"), 2);

  const int64_t before = Counter();
  absl::StatusOr<DeploymentRecord> same = store_->SetAlias("m", "production", 2, "bob", "again");
  EXPECT_EQ(same->id, moved->id);  // a no-op returns the last move
  EXPECT_EQ(Counter(), before);

  std::vector<DeploymentRecord> history = *store_->History("m", std::nullopt);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].from_version, std::nullopt);
  EXPECT_EQ(history[0].to_version, 1);
  EXPECT_EQ(history[0].actor, "ann");
  EXPECT_EQ(history[1].reason, "better");
  EXPECT_EQ(history[2].alias, "staging");
  EXPECT_EQ(store_->History("m", "production")->size(), 2u);

  std::vector<Alias> aliases = *store_->ListAliases("m");
  ASSERT_EQ(aliases.size(), 2u);
  EXPECT_EQ(aliases[0].alias, "production");
  EXPECT_EQ(aliases[0].version, 2);
  EXPECT_EQ(aliases[1].alias, "staging");

  EXPECT_EQ(store_->SetAlias("m", "production", 7, "ann", "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetAlias("m", "canary").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->GetAlias("m", "production"), 2);
}

TEST_P(RegistryStoreTest, RollbackReturnsToThePreviousVersion) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  absl::StatusOr<DeploymentRecord> none = store_->Rollback("m", "production", "ann", "oops");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("no earlier version"), std::string::npos);
  ASSERT_TRUE(store_->SetAlias("m", "production", 3, "ann", "").ok());

  absl::StatusOr<DeploymentRecord> back = store_->Rollback("m", "production", "bob", "errors");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->from_version, 3);
  EXPECT_EQ(back->to_version, 1);
  EXPECT_EQ(back->actor, "bob");
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
  // The rollback is a move like any other: rolling it back returns to 3.
  EXPECT_EQ(store_->Rollback("m", "production", "bob", "")->to_version, 3);
  EXPECT_EQ(store_->History("m", "production")->size(), 4u);
  EXPECT_EQ(store_->Rollback("m", "canary", "bob", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RegistryStoreTest, VersionAtAnswersFromTheLedger) {
  AddVersions("m", 2);
  const absl::Time before = absl::Now();
  absl::SleepFor(absl::Milliseconds(5));
  DeploymentRecord first = *store_->SetAlias("m", "production", 1, "ann", "");
  absl::SleepFor(absl::Milliseconds(5));
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(5));
  DeploymentRecord second = *store_->SetAlias("m", "production", 2, "ann", "");

  EXPECT_EQ(store_->VersionAt("m", "production", before).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->VersionAt("m", "production", first.at), 1);
  EXPECT_EQ(*store_->VersionAt("m", "production", between), 1);
  EXPECT_EQ(*store_->VersionAt("m", "production", second.at), 2);
  EXPECT_EQ(*store_->VersionAt("m", "production", absl::Now()), 2);
}

TEST_P(RegistryStoreTest, OneActiveRolloutPerAlias) {
  AddVersions("m", 3);
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 2;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  spec.candidate = 1;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.candidate = 2;
  spec.canary_percent = 0;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.canary_percent = 25;
  spec.shadow = true;
  spec.min_requests = 50;

  absl::StatusOr<Rollout> started = store_->StartRollout(spec, "ann");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->baseline, 1);
  EXPECT_EQ(started->state, RolloutState::kActive);
  EXPECT_TRUE(started->spec.shadow);
  EXPECT_EQ(started->spec.canary_percent, 25);
  spec.candidate = 3;
  absl::StatusOr<Rollout> second = store_->StartRollout(spec, "bob");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("already has an active rollout"), std::string::npos);

  std::optional<Rollout> active = *store_->ActiveRollout("m", "production");
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->id, started->id);
  EXPECT_EQ(active->spec.min_requests, 50);

  absl::StatusOr<Rollout> aborted =
      store_->FinishRollout("m", "production", RolloutState::kAborted, "bob", "by hand");
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(aborted->state, RolloutState::kAborted);
  EXPECT_TRUE(aborted->ended_at.has_value());
  EXPECT_FALSE(store_->ActiveRollout("m", "production")->has_value());
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);  // an abort leaves the alias alone
  EXPECT_EQ(store_->FinishRollout("m", "production", RolloutState::kAborted, "bob", "")
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(store_->StartRollout(spec, "bob").ok());
  absl::StatusOr<Rollout> promoted =
      store_->FinishRollout("m", "production", RolloutState::kPromoted, "controller", "healthy");
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_EQ(*store_->GetAlias("m", "production"), 3);
  EXPECT_EQ(store_->History("m", "production")->back().actor, "controller");
  std::vector<Rollout> all = *store_->ListRollouts("m");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].state, RolloutState::kAborted);
  EXPECT_EQ(all[0].reason, "by hand");
  EXPECT_EQ(all[1].state, RolloutState::kPromoted);
}

TEST_P(RegistryStoreTest, MovingTheAliasByHandAbortsItsRollout) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 2;
  ASSERT_TRUE(store_->StartRollout(spec, "ann").ok());
  ASSERT_TRUE(store_->SetAlias("m", "production", 3, "bob", "hotfix").ok());
  EXPECT_FALSE(store_->ActiveRollout("m", "production")->has_value());
  Rollout ended = store_->ListRollouts("m")->back();
  EXPECT_EQ(ended.state, RolloutState::kAborted);
  EXPECT_EQ(ended.reason, "alias moved by hand (alias set)");

  ASSERT_TRUE(store_->StartRollout(spec, "ann").ok());
  ASSERT_TRUE(store_->Rollback("m", "production", "bob", "").ok());
  EXPECT_EQ(store_->ListRollouts("m")->back().reason, "alias moved by hand (rollback)");
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
}

TEST_P(RegistryStoreTest, ChangeCounterMovesWithEveryWrite) {
  int64_t last = Counter();
  auto moved = [&] {
    int64_t now = Counter();
    bool ok = now > last;
    last = now;
    return ok;
  };
  AddVersions("m", 2);
  EXPECT_TRUE(moved());
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "a", "").ok());
  EXPECT_TRUE(moved());
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 2;
  ASSERT_TRUE(store_->StartRollout(spec, "a").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(store_->FinishRollout("m", "production", RolloutState::kRolledBack, "a", "").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(store_->GetVersion("m", 1).ok());
  EXPECT_FALSE(moved());  // reads do not move it
}

TEST_P(RegistryStoreTest, PostgresNotifiesListenersOfChanges) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "NOTIFY is PostgreSQL's";
  std::unique_ptr<PGconn, decltype(&PQfinish)> listener(PQconnectdb(uri_.c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(listener.get()), CONNECTION_OK) << PQerrorMessage(listener.get());
  PQclear(PQexec(listener.get(), "LISTEN berth_registry"));
  AddVersions("m", 1);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "a", "").ok());
  int notifications = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (notifications < 2 && absl::Now() < deadline) {
    ASSERT_EQ(PQconsumeInput(listener.get()), 1);
    while (PGnotify* n = PQnotifies(listener.get())) {
      EXPECT_STREQ(n->relname, "berth_registry");
      ++notifications;
      PQfreemem(n);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(notifications, 2);  // one per committed write
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(OpenRegistryStoreTest, UnknownSchemeIsRefused) {
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenRegistryStore("mysql://x");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("sqlite:PATH"), std::string::npos);
}

}  // namespace
}  // namespace berth::registry
