#include "serving/rollout_events.h"

#include "gtest/gtest.h"

namespace berth::serving {
namespace {

using Details = std::vector<std::pair<std::string, std::string>>;

rollout::AliasRoute Route(int64_t version, int64_t rollout_id = 0, int64_t candidate = 0) {
  rollout::AliasRoute r;
  r.version = version;
  if (rollout_id != 0) r.rollout = rollout::RolloutRoute{rollout_id, candidate, 25, false};
  return r;
}

registry::Rollout Active(int64_t id, int64_t baseline, int64_t candidate) {
  registry::Rollout r;
  r.id = id;
  r.spec.model = "m";
  r.spec.alias = "production";
  r.spec.candidate = candidate;
  r.spec.canary_percent = 25;
  r.baseline = baseline;
  r.actor = "alice";
  return r;
}

TEST(RouteChangeEvents, AMovedAliasSaysFromAndTo) {
  const absl::Time now = absl::FromUnixSeconds(100);
  auto events = RouteChangeEvents("m", {{"production", Route(1)}, {"staging", Route(2)}},
                                  {{"production", Route(3)}, {"staging", Route(2)}}, {}, now);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, monitoring::kAliasMoved);
  EXPECT_EQ(events[0].model, "m");
  EXPECT_EQ(events[0].alias, "production");
  EXPECT_EQ(events[0].version, 3);
  EXPECT_EQ(events[0].at, now);
  EXPECT_EQ(events[0].details, (Details{{"from_version", "1"}, {"to_version", "3"}}));
}

TEST(RouteChangeEvents, TheFirstPublicationIsNoMove) {
  EXPECT_TRUE(RouteChangeEvents("m", {}, {{"production", Route(1)}}, {}, absl::Now()).empty());
}

TEST(RouteChangeEvents, ANewRolloutIsAnnouncedOnceWithItsRecord) {
  const auto active = std::vector<registry::Rollout>{Active(7, 1, 2)};
  auto events = RouteChangeEvents("m", {{"production", Route(1)}}, {{"production", Route(1, 7, 2)}},
                                  active, absl::Now());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, monitoring::kRolloutStarted);
  EXPECT_EQ(events[0].alias, "production");
  EXPECT_EQ(events[0].version, 2);
  EXPECT_EQ(events[0].reason, "rollout of version 2 started by alice");
  EXPECT_EQ(events[0].details, (Details{{"rollout_id", "7"},
                                        {"baseline_version", "1"},
                                        {"mode", "canary"},
                                        {"canary_percent", "25"}}));
  // Still carried: nothing new. A different rollout on the same alias: announced.
  EXPECT_TRUE(RouteChangeEvents("m", {{"production", Route(1, 7, 2)}},
                                {{"production", Route(1, 7, 2)}}, active, absl::Now())
                  .empty());
  events = RouteChangeEvents("m", {{"production", Route(1, 7, 2)}},
                             {{"production", Route(1, 8, 3)}}, {}, absl::Now());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].version, 3);
  EXPECT_EQ(events[0].details, (Details{{"rollout_id", "8"}, {"baseline_version", "1"}}));
}

TEST(RouteChangeEvents, APromotionMovesTheAliasAndEndsTheRoute) {
  auto events = RouteChangeEvents("m", {{"production", Route(1, 7, 2)}}, {{"production", Route(2)}},
                                  {}, absl::Now());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, monitoring::kAliasMoved);
}

TEST(VerdictEvent, NamesTheCandidateAndTheReason) {
  const registry::Rollout r = Active(7, 1, 2);
  monitoring::Event e =
      VerdictEvent(r, registry::RolloutState::kRolledBack, "error rate 0.1", absl::Now());
  EXPECT_EQ(e.type, monitoring::kRolloutRolledBack);
  EXPECT_EQ(e.model, "m");
  EXPECT_EQ(e.alias, "production");
  EXPECT_EQ(e.version, 2);
  EXPECT_EQ(e.reason, "error rate 0.1");
  EXPECT_EQ(VerdictEvent(r, registry::RolloutState::kPromoted, "", absl::Now()).type,
            monitoring::kRolloutPromoted);
}

}  // namespace
}  // namespace berth::serving
