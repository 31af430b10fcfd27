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
  // 4x is two octaves, 16 buckets: the histogram's p99s keep the ratio exactly.
  Judgement j = Judge(Thresholds(), Observe(200, 0, 4.0), false);
  EXPECT_EQ(j.verdict, Verdict::kRollBack);
  EXPECT_NE(j.reason.find("4.00x the baseline's"), std::string::npos) << j.reason;
  EXPECT_NE(j.reason.find("over 1 server)"), std::string::npos) << j.reason;
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
  EXPECT_EQ(m.Observe(1).candidate.latency_samples(), 0);  // a failure has no latency
  EXPECT_EQ(m.Observe(2).candidate.errors, 0);
  EXPECT_EQ(m.Observe(2).candidate.latency_samples(), 1);
  EXPECT_NEAR(m.Observe(2).candidate.p99_us(), 10, 10 * 0.045);  // the histogram's precision
  m.Forget(1);
  EXPECT_EQ(m.Observe(1).candidate.requests, 0);
  m.Record(3, false, true, 5);
  m.Retain({3});
  EXPECT_EQ(m.Observe(2).candidate.requests, 0);
  EXPECT_EQ(m.Observe(3).baseline.requests, 1);
}

// `n` requests per arm on one server: candidate failures every `fail_every`-th (0: never),
// latencies `base_us` + i % 50 on the baseline, times `slowdown` on the candidate.
RolloutObservation Server(int n, int fail_every, double slowdown, double base_us = 1000) {
  RolloutMonitor m;
  for (int i = 0; i < n; ++i) {
    m.Record(1, false, true, base_us + (i % 50));
    m.Record(1, true, fail_every == 0 || i % fail_every != 0, (base_us + (i % 50)) * slowdown);
  }
  return m.Observe(1);
}

TEST(CanaryAnalysisTest, SumAddsTheServersFiguresAndCountsThoseWithTraffic) {
  const RolloutObservation sum = Sum({Server(60, 10, 1.0), Server(40, 0, 1.0), {}});
  EXPECT_EQ(sum.servers, 2);  // the third saw nothing
  EXPECT_EQ(sum.candidate.requests, 100);
  EXPECT_EQ(sum.candidate.errors, 6);
  EXPECT_EQ(sum.candidate.latency_samples(), 94);
  EXPECT_EQ(sum.baseline.requests, 100);
  EXPECT_EQ(sum.baseline.latency_samples(), 100);
  EXPECT_EQ(Sum({}).servers, 0);
}

TEST(CanaryAnalysisTest, MinRequestsAreReachedByTheFleetTogether) {
  // Two servers of 60 candidate requests each: neither alone reaches 100; together they do.
  RolloutThresholds t = Thresholds();
  t.max_p99_ratio = 100;
  EXPECT_EQ(Judge(t, Server(60, 0, 1.0), true).verdict, Verdict::kWait);
  Judgement j = Judge(t, Sum({Server(60, 0, 1.0), Server(60, 0, 1.0)}), true);
  EXPECT_EQ(j.verdict, Verdict::kPromote);
  EXPECT_NE(j.reason.find("over 120 requests"), std::string::npos) << j.reason;
  EXPECT_NE(j.reason.find("over 2 servers"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, ErrorsOnOneServerRollTheFleetBack) {
  // The judging server's share is clean; another's candidate fails a fifth of its requests.
  const RolloutObservation clean = Server(200, 0, 1.0);
  EXPECT_EQ(Judge(Thresholds(), clean, false).verdict, Verdict::kWait);
  Judgement j = Judge(Thresholds(), Sum({clean, Server(100, 5, 1.0)}), false);
  EXPECT_EQ(j.verdict, Verdict::kRollBack);
  EXPECT_NE(j.reason.find("error rate 0.0667 over 300 requests"), std::string::npos) << j.reason;
  EXPECT_NE(j.reason.find("over 2 servers"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, TheP99ComesFromTheSummedHistograms) {
  // Server A: 1000 requests per arm, the candidate as fast as the baseline. Server B: 300,
  // the candidate 4x slower. Alone, A sees no slowdown; the fleet's candidate p99 (its 1287th
  // fastest of 1300) lies in B's slow tail, ~4x the baseline's.
  const RolloutObservation a = Server(1000, 0, 1.0);
  const RolloutObservation b = Server(300, 0, 4.0);
  EXPECT_EQ(Judge(Thresholds(), a, false).verdict, Verdict::kWait);
  const RolloutObservation fleet = Sum({a, b});
  EXPECT_EQ(fleet.candidate.latency_samples(), 1300);
  // Exact nearest-rank p99s: the candidate's 4 * 1047 (in B's tail), the baseline's 1049.
  EXPECT_NEAR(fleet.candidate.p99_us(), 4 * 1047, 4 * 1047 * 0.045);
  EXPECT_NEAR(fleet.baseline.p99_us(), 1049, 1049 * 0.045);
  Judgement j = Judge(Thresholds(), fleet, false);
  EXPECT_EQ(j.verdict, Verdict::kRollBack);
  EXPECT_NE(j.reason.find("1300 and 1300 latencies over 2 servers"), std::string::npos) << j.reason;
}

TEST(CanaryAnalysisTest, AP99NeedsTheMinimumSamplesOnEachArmOfTheSum) {
  // 60 + 30 latencies a side: still fewer than kMinP99Samples, so no latency verdict.
  RolloutThresholds t = Thresholds();
  t.min_requests = 50;
  EXPECT_EQ(Judge(t, Sum({Server(60, 0, 10.0), Server(30, 0, 10.0)}), false).verdict,
            Verdict::kWait);
  EXPECT_EQ(Judge(t, Sum({Server(60, 0, 10.0), Server(60, 0, 10.0)}), false).verdict,
            Verdict::kRollBack);
}

}  // namespace
}  // namespace berth::rollout
