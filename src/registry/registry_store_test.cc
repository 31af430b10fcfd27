// The RegistryStore suite, run against SQLite and PostgreSQL.
#include "registry/registry_store.h"

#include <libpq-fe.h>

#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry/registry_store_fixture.h"
#include "registry/registry_test_util.h"

namespace berth::registry {
namespace {

using testing::Digest;
using testing::MakeTempDir;
using testing::RegistryStoreTest;
using testing::Version;

TEST_P(RegistryStoreTest, FreshDatabaseHasTheLatestSchema) {
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Counter(), 0);
  EXPECT_TRUE(store_->ListModels()->empty());
  std::unique_ptr<RegistryStore> again = Open();  // reopening migrates nothing
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->SchemaVersion(), LatestSchemaVersion());
}

TEST_P(RegistryStoreTest, SimultaneousFirstOpensAllSucceed) {
  // Eight connections released at once on a new database: on SQLite they race to switch it
  // to WAL (SQLite answers some of them SQLITE_BUSY without waiting) and to migrate it. The
  // race depends on timing, so it is run on several fresh databases.
  constexpr int kOpeners = 8;
  const int rounds = GetParam() == "sqlite" ? 30 : 5;
  store_.reset();
  for (int round = 0; round < rounds; ++round) {
    if (GetParam() == "sqlite") {
      uri_ = "sqlite:" + MakeTempDir() + "/fresh.db";
    } else {
      testing::ResetPostgres(uri_);
    }
    std::latch start(kOpeners);
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        std::unique_ptr<RegistryStore> store = Open();  // expects OK
        if (store) EXPECT_EQ(*store->SchemaVersion(), LatestSchemaVersion());
      });
    }
    for (std::thread& t : threads) t.join();
    if (HasFailure()) return;
  }
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
    ASSERT_TRUE(
        (*raw)
            ->Query("UPDATE schema_version SET version = $1", {int64_t{LatestSchemaVersion() + 1}})
            .ok());
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenRegistryStore(uri_);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_NE(store.status().message().find(
                absl::StrCat("schema version ", LatestSchemaVersion() + 1, ", newer")),
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
