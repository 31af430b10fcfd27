#include "serving/fleet_observations.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace berth::serving {
namespace {

// `n` requests per arm, `errors` of the candidate's failing, latencies around `us`.
rollout::RolloutObservation Figures(int n, int errors, double us) {
  rollout::RolloutMonitor m;
  for (int i = 0; i < n; ++i) {
    m.Record(1, false, true, us + i);
    m.Record(1, true, i >= errors, 2 * us + i);
  }
  return m.Observe(1);
}

registry::ServerObservation Row(const std::string& server, const rollout::RolloutObservation& o) {
  return {7, server, ToSnapshot(o), absl::Now()};
}

TEST(FleetObservationsTest, ASnapshotRoundTripsThroughTheRegistrysForm) {
  const rollout::RolloutObservation o = Figures(300, 12, 900);
  const registry::ObservationSnapshot s = ToSnapshot(o);
  EXPECT_EQ(s.candidate.requests, 300);
  EXPECT_EQ(s.candidate.errors, 12);
  EXPECT_EQ(s.baseline.errors, 0);
  int64_t stored = 0;
  for (const auto& [bucket, count] : s.candidate.latency_buckets) {
    EXPECT_GT(count, 0) << "sparse: no empty buckets";
    stored += count;
  }
  EXPECT_EQ(stored, 288);
  EXPECT_LT(s.baseline.latency_buckets.size(), 10u);  // 900..1199 us: a few 9% buckets
  absl::StatusOr<rollout::RolloutObservation> back = FromSnapshot(Row("a", o));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->candidate.latency, o.candidate.latency);
  EXPECT_EQ(back->baseline.latency, o.baseline.latency);
  EXPECT_EQ(back->candidate.errors, 12);
}

TEST(FleetObservationsTest, ABucketThisBinaryDoesNotHaveIsAnErrorNamingTheServer) {
  registry::ServerObservation row = Row("host-b:9:ab", Figures(10, 0, 100));
  row.snapshot.baseline.latency_buckets[rollout::LatencyHistogram::kBuckets] = 1;
  absl::StatusOr<rollout::RolloutObservation> o = FromSnapshot(row);
  ASSERT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(o.status().message().find("rollout 7 from server 'host-b:9:ab'"), std::string::npos)
      << o.status();
  EXPECT_FALSE(FleetObservation({row}, "host-a:1:00", {}).ok());
}

TEST(FleetObservationsTest, TheFleetSumTakesThisServersFreshFiguresInPlaceOfItsRow) {
  const std::vector<registry::ServerObservation> rows = {
      Row("a", Figures(50, 0, 1000)), Row("b", Figures(30, 3, 1000)),
      Row("c", Figures(0, 0, 1000))};  // c has seen nothing yet
  absl::StatusOr<rollout::RolloutObservation> fleet =
      FleetObservation(rows, "a", Figures(80, 1, 1000));  // a's row is older
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  EXPECT_EQ(fleet->candidate.requests, 110);
  EXPECT_EQ(fleet->candidate.errors, 4);
  EXPECT_EQ(fleet->candidate.latency_samples(), 106);
  EXPECT_EQ(fleet->baseline.requests, 110);
  EXPECT_EQ(fleet->servers, 2);
  // Without a row of its own yet (its first publish has not happened), it still counts.
  fleet = FleetObservation(rows, "d", Figures(20, 0, 1000));
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  EXPECT_EQ(fleet->candidate.requests, 100);
  EXPECT_EQ(fleet->servers, 3);
}

TEST(FleetObservationsTest, TheProcessServerIdIsHostPidAndRandomHex) {
  const std::string& id = ProcessServerId();
  EXPECT_EQ(&id, &ProcessServerId()) << "made once";
  const std::vector<std::string> parts = absl::StrSplit(id, ':');
  ASSERT_EQ(parts.size(), 3u) << id;
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(parts[0], std::string(host).substr(0, 200));
  EXPECT_EQ(parts[1], absl::StrCat(getpid()));
  EXPECT_EQ(parts[2].size(), 16u);
  EXPECT_EQ(parts[2].find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_LE(id.size(), registry::kMaxServerIdLength);
}

}  // namespace
}  // namespace berth::serving
