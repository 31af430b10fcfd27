#include "rollout/routes.h"

#include <thread>

#include "gtest/gtest.h"

namespace berth::rollout {
namespace {

AliasRoute Canary(double percent) {
  AliasRoute r;
  r.version = 3;
  r.rollout = RolloutRoute{7, 4, percent, false};
  return r;
}

TEST(PickTargetTest, WithoutARolloutTheAliasVersionServes) {
  AliasRoute r;
  r.version = 3;
  Target t = PickTarget(r, "req-1", 0.0);
  EXPECT_EQ(t.version, 3);
  EXPECT_FALSE(t.rollout_id.has_value());
  EXPECT_FALSE(t.shadow.has_value());
  EXPECT_FALSE(t.candidate);
}

TEST(PickTargetTest, TheCanaryGetsItsShareAndARetryLandsWhereItLandedBefore) {
  const AliasRoute r = Canary(20);
  int to_candidate = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "request-" + std::to_string(i);
    Target t = PickTarget(r, id, 0.0);
    EXPECT_EQ(t.rollout_id, 7);
    if (t.candidate) {
      ++to_candidate;
      EXPECT_EQ(t.version, 4);
    } else {
      EXPECT_EQ(t.version, 3);
    }
    EXPECT_EQ(PickTarget(r, id, 0.99).version, t.version) << "the same id moved: " << id;
  }
  EXPECT_GT(to_candidate, 1700);  // 20% of 10000, give or take the hash's unevenness
  EXPECT_LT(to_candidate, 2300);
}

TEST(PickTargetTest, WithoutAnIdTheCallersDrawDecides) {
  const AliasRoute r = Canary(50);
  EXPECT_TRUE(PickTarget(r, "", 0.2).candidate);
  EXPECT_FALSE(PickTarget(r, "", 0.7).candidate);
  EXPECT_TRUE(PickTarget(Canary(100), "", 0.999).candidate);
}

TEST(PickTargetTest, AShadowRolloutCopiesEveryRequestToTheCandidate) {
  AliasRoute r;
  r.version = 3;
  r.rollout = RolloutRoute{9, 5, 100, true};
  Target t = PickTarget(r, "x", 0.0);
  EXPECT_EQ(t.version, 3);
  EXPECT_EQ(t.shadow, 5);
  EXPECT_EQ(t.rollout_id, 9);
  EXPECT_FALSE(t.candidate);
}

TEST(RoutesTest, PublishReplacesAModelsRoutesWhole) {
  Routes routes;
  EXPECT_FALSE(routes.Find("m", "production").has_value());
  routes.Publish(
      "m", {{"production", AliasRoute{3, std::nullopt}}, {"staging", AliasRoute{4, std::nullopt}}});
  EXPECT_EQ(routes.Find("m", "production")->version, 3);
  routes.Publish("m", {{"production", AliasRoute{5, std::nullopt}}});
  EXPECT_EQ(routes.Find("m", "production")->version, 5);
  EXPECT_FALSE(routes.Find("m", "staging").has_value());
  EXPECT_EQ(routes.ForModel("m"), (ModelRoutes{{"production", AliasRoute{5, std::nullopt}}}));
  EXPECT_TRUE(routes.ForModel("other").empty());
  routes.Remove("m");
  EXPECT_TRUE(routes.All().empty());
}

TEST(RoutesTest, ReadersSeeOneTableOrTheOtherWhilePublishing) {
  Routes routes;
  routes.Publish("m", {{"a", AliasRoute{1, std::nullopt}}, {"b", AliasRoute{1, std::nullopt}}});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t v = 2; v < 2000; ++v) {
      routes.Publish("m", {{"a", AliasRoute{v, std::nullopt}}, {"b", AliasRoute{v, std::nullopt}}});
    }
    stop = true;
  });
  while (!stop) {
    auto all = routes.All();
    ASSERT_EQ(all["m"]["a"].version, all["m"]["b"].version);
  }
  writer.join();
  EXPECT_EQ(routes.Find("m", "a")->version, 1999);
}

}  // namespace
}  // namespace berth::rollout
