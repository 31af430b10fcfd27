// The servers' figures of active rollouts (rollout_observations), on SQLite and PostgreSQL.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_store_fixture.h"
#include "registry/registry_test_util.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

using testing::ProductionRollout;
using testing::RegistryStoreTest;

// `requests` on each arm, `errors` of the candidate's failing, the others' latencies split
// over two buckets (sparse: a bucket without latencies is left out).
ObservationSnapshot Snapshot(int64_t requests, int64_t errors) {
  ObservationSnapshot s;
  s.baseline.requests = requests;
  for (auto [bucket, count] : {std::pair<int, int64_t>{80, requests / 2},
                               std::pair<int, int64_t>{81, requests - requests / 2}}) {
    if (count > 0) s.baseline.latency_buckets[bucket] = count;
  }
  s.candidate.requests = requests;
  s.candidate.errors = errors;
  if (requests > errors) s.candidate.latency_buckets[90] = requests - errors;
  return s;
}

class ObservationsTest : public RegistryStoreTest {
 protected:
  // Versions 1 and 2 of "m", production on 1 and an active rollout of 2; returns its id.
  int64_t StartRollout() {
    AddVersions("m", 2);
    EXPECT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
    absl::StatusOr<Rollout> r = store_->StartRollout(ProductionRollout(2), "ann");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : 0;
  }

  std::vector<ServerObservation> List(int64_t rollout_id) {
    absl::StatusOr<std::vector<ServerObservation>> rows =
        store_->ListRolloutObservations(rollout_id);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.value_or(std::vector<ServerObservation>{});
  }
};

TEST_P(ObservationsTest, UpsertOneRowPerServerWithoutMovingTheCounter) {
  const int64_t id = StartRollout();
  const int64_t before = Counter();
  EXPECT_TRUE(List(id).empty());
  ASSERT_TRUE(store_->PutRolloutObservation(id, "host-a:12:ab", Snapshot(10, 1)).ok());
  ASSERT_TRUE(store_->PutRolloutObservation(id, "host-b:34:cd", Snapshot(20, 0)).ok());
  ASSERT_TRUE(store_->PutRolloutObservation(id, "host-a:12:ab", Snapshot(30, 3)).ok());
  EXPECT_EQ(Counter(), before) << "servers poll the counter; a publish must not wake them";

  std::vector<ServerObservation> rows = List(id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].rollout_id, id);
  EXPECT_EQ(rows[0].server, "host-a:12:ab");  // replaced, not added
  EXPECT_EQ(rows[0].snapshot.candidate.requests, 30);
  EXPECT_EQ(rows[0].snapshot.candidate.errors, 3);
  EXPECT_EQ(rows[0].snapshot.candidate.latency_buckets, (std::map<int, int64_t>{{90, 27}}));
  EXPECT_EQ(rows[0].snapshot.baseline.latency_buckets,
            (std::map<int, int64_t>{{80, 15}, {81, 15}}));
  EXPECT_EQ(rows[1].server, "host-b:34:cd");
  EXPECT_EQ(rows[1].snapshot.baseline.requests, 20);
  EXPECT_LE(absl::Now() - rows[1].updated_at, absl::Minutes(1));
  // An empty snapshot (a server whose rollout has had no traffic yet) is a row too.
  ASSERT_TRUE(store_->PutRolloutObservation(id, "host-c:1:00", ObservationSnapshot{}).ok());
  rows = List(id);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[2].snapshot.candidate.latency_buckets.empty());
}

TEST_P(ObservationsTest, RefuseBadServerIdsAndSnapshots) {
  const int64_t id = StartRollout();
  const auto put = [&](const std::string& server, const ObservationSnapshot& s) {
    return store_->PutRolloutObservation(id, server, s).code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(put("", Snapshot(1, 0)), kInvalid);
  EXPECT_EQ(put(std::string(kMaxServerIdLength + 1, 'h'), Snapshot(1, 0)), kInvalid);
  EXPECT_EQ(put("host\n1", Snapshot(1, 0)), kInvalid);
  EXPECT_EQ(put("h\x80", Snapshot(1, 0)), kInvalid);
  EXPECT_EQ(put(std::string(kMaxServerIdLength, 'h'), Snapshot(1, 0)), absl::StatusCode::kOk);

  ObservationSnapshot s = Snapshot(10, 0);
  s.candidate.errors = 11;  // more errors than requests
  EXPECT_EQ(put("a", s), kInvalid);
  s = Snapshot(10, 0);
  s.baseline.requests = -1;
  EXPECT_EQ(put("a", s), kInvalid);
  s = Snapshot(10, 0);
  s.candidate.latency_buckets[kMaxObservationBuckets] = 1;
  EXPECT_EQ(put("a", s), kInvalid);
  s = Snapshot(10, 0);
  s.candidate.latency_buckets[-1] = 1;
  EXPECT_EQ(put("a", s), kInvalid);
  s = Snapshot(10, 0);
  s.candidate.latency_buckets[3] = 0;  // sparse: no zero counts
  EXPECT_EQ(put("a", s), kInvalid);
  s = Snapshot(10, 0);
  s.candidate.latency_buckets[3] = 1;  // 11 latencies for 10 requests
  absl::Status too_many = store_->PutRolloutObservation(id, "a", s);
  EXPECT_EQ(too_many.code(), kInvalid);
  EXPECT_NE(too_many.message().find("candidate arm"), std::string::npos) << too_many;
  EXPECT_EQ(List(id).size(), 1u) << "only the valid long id was stored";

  EXPECT_EQ(store_->PutRolloutObservation(id + 100, "a", Snapshot(1, 0)).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(ObservationsTest, RowsGoInTheTransactionThatEndsTheRollout) {
  int64_t id = StartRollout();
  ASSERT_TRUE(store_->PutRolloutObservation(id, "a", Snapshot(10, 0)).ok());
  ASSERT_TRUE(store_->PutRolloutObservation(id, "b", Snapshot(10, 0)).ok());
  ASSERT_TRUE(
      store_->FinishRollout("m", "production", RolloutState::kPromoted, "judge", "good").ok());
  EXPECT_TRUE(List(id).empty());
  absl::Status late = store_->PutRolloutObservation(id, "a", Snapshot(11, 0));
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  EXPECT_TRUE(List(id).empty());

  // A rollout aborted by an alias moved by hand (and one rolled back) leaves none either.
  absl::StatusOr<Rollout> again = store_->StartRollout(ProductionRollout(1), "ann");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(store_->PutRolloutObservation(again->id, "a", Snapshot(5, 0)).ok());
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "bob", "by hand").ok());
  EXPECT_TRUE(List(again->id).empty());
  absl::StatusOr<Rollout> third = store_->StartRollout(ProductionRollout(2), "ann");
  ASSERT_TRUE(third.ok()) << third.status();
  ASSERT_TRUE(store_->PutRolloutObservation(third->id, "a", Snapshot(5, 5)).ok());
  ASSERT_TRUE(
      store_->FinishRollout("m", "production", RolloutState::kRolledBack, "judge", "bad").ok());
  EXPECT_TRUE(List(third->id).empty());
  // The table itself is empty: nothing of an ended rollout stays.
  auto raw = testing::OpenRawDatabase(uri_);
  ASSERT_TRUE(raw.ok()) << raw.status();
  absl::StatusOr<std::vector<SqlRow>> all =
      (*raw)->Query("SELECT COUNT(*) FROM rollout_observations", {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(AsInt((*all)[0][0]), 0);
}

TEST_P(ObservationsTest, AMalformedRowIsAnErrorNamingTheRolloutAndServer) {
  const int64_t id = StartRollout();
  ASSERT_TRUE(store_->PutRolloutObservation(id, "good", Snapshot(10, 0)).ok());
  ASSERT_TRUE(store_->PutRolloutObservation(id, "bad-host:7:ff", Snapshot(10, 0)).ok());
  auto raw = testing::OpenRawDatabase(uri_);
  ASSERT_TRUE(raw.ok()) << raw.status();
  for (const std::string& text : {std::string("90:x"), std::string("90"), std::string("91:1,90:1"),
                                  std::string("999:1"), std::string("90:-4"), std::string("90:99"),
                                  std::string(kMaxObservationBuckets * 25, '1')}) {
    ASSERT_TRUE((*raw)
                    ->Query("UPDATE rollout_observations SET candidate_latency = $1"
                            " WHERE server = 'bad-host:7:ff'",
                            {text})
                    .ok());
    absl::StatusOr<std::vector<ServerObservation>> rows = store_->ListRolloutObservations(id);
    ASSERT_EQ(rows.status().code(), absl::StatusCode::kDataLoss) << text.substr(0, 20);
    EXPECT_NE(rows.status().message().find(absl::StrCat("rollout ", id)), std::string::npos)
        << rows.status();
    EXPECT_NE(rows.status().message().find("'bad-host:7:ff'"), std::string::npos) << rows.status();
  }
  ASSERT_TRUE((*raw)
                  ->Query("UPDATE rollout_observations SET candidate_latency = '90:10',"
                          " candidate_errors = 11 WHERE server = 'bad-host:7:ff'",
                          {})
                  .ok());
  EXPECT_EQ(store_->ListRolloutObservations(id).status().code(), absl::StatusCode::kDataLoss);
}

INSTANTIATE_TEST_SUITE_P(Backends, ObservationsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::registry
