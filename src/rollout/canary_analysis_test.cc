#include "rollout/canary_analysis.h"

#include "gtest/gtest.h"

namespace berth::rollout {
namespace {

// `n` requests on each arm, the candidate failing every `fail_every`-th (0: never) and taking
// `slowdown` times the baseline's latency.
RolloutObservation Observe(int n, int fail_every, double slowdown) {
  RolloutMonitor m;
  for (int i = 0; i < n; ++i) {
    const double base = 1000 + (i % 50);
    m.Record(1, false, true, base);
    const bool ok = fail_every == 0 || i % fail_every != 0;
    m.Record(1, true, ok, base * slowdown);
  }
  return m.Observe(1);
}

RolloutThresholds Thresholds() {
  RolloutThresholds t;
  t.max_error_rate = 0.05;
  t.max_p99_ratio = 2.0;
  t.min_requests = 100;
  return t;
}

TEST(CanaryAnalysisTest, WaitsForTheMinimumRequests) {
  EXPECT_EQ(Judge(Thresholds(), Observe(50, 2, 5.0), true).verdict, Verdict::kWait);
}

TEST(CanaryAnalysisTest, AFailingCandidateIsRolledBackNamingItsErrorRate) {
  Judgement j = Judge(Thresholds(), Observe(200, 10, 1.0), false);
  EXPECT_EQ(j.verdict, Verdict::kRollBack);
  EXPECT_NE(j.reason.find("error rate 0.1000"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, ASlowCandidateIsRolledBackNamingBothP99s) {
  Judgement j = Judge(Thresholds(), Observe(200, 0, 3.0), false);
  EXPECT_EQ(j.verdict, Verdict::kRollBack);
  EXPECT_NE(j.reason.find("3.00x"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, AHealthyCandidateIsPromotedOnlyOnceBaked) {
  EXPECT_EQ(Judge(Thresholds(), Observe(200, 0, 1.1), false).verdict, Verdict::kWait);
  Judgement j = Judge(Thresholds(), Observe(200, 0, 1.1), true);
  EXPECT_EQ(j.verdict, Verdict::kPromote);
  EXPECT_NE(j.reason.find("over 200 requests"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, TooFewLatenciesForAP99DecideNothing) {
  // 60 requests a side, the candidate 10x slower: a p99 of 60 samples is their maximum.
  RolloutThresholds t = Thresholds();
  t.min_requests = 50;
  EXPECT_EQ(Judge(t, Observe(60, 0, 10.0), false).verdict, Verdict::kWait);
  EXPECT_EQ(Judge(t, Observe(120, 0, 10.0), false).verdict, Verdict::kRollBack);
}

TEST(CanaryAnalysisTest, TheMonitorKeepsRolloutsApartAndForgets) {
  RolloutMonitor m;
  m.Record(1, true, false, 0);
  m.Record(2, true, true, 10);
  EXPECT_EQ(m.Observe(1).candidate.errors, 1);
  EXPECT_EQ(m.Observe(2).candidate.errors, 0);
  EXPECT_EQ(m.Observe(2).candidate.p99_us, 10);
  m.Forget(1);
  EXPECT_EQ(m.Observe(1).candidate.requests, 0);
}

}  // namespace
}  // namespace berth::rollout
