#include "isolated_runner.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gtest/gtest.h"

namespace berth::conformance {
namespace {

std::vector<IsolatedResult> RunAll(size_t count, const std::function<CaseResult(size_t)>& work,
                                   IsolationOptions options = {}) {
  std::vector<IsolatedResult> results;
  std::vector<size_t> order;
  EXPECT_TRUE(RunIsolated(count, work, options, [&](size_t i, const IsolatedResult& r) {
    order.push_back(i);
    results.push_back(r);
  }));
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);  // reported in order
  return results;
}

TEST(RunIsolatedTest, PassesResultsBackInOrder) {
  IsolationOptions options;
  options.jobs = 2;
  auto results = RunAll(
      5,
      [](size_t i) {
        if (i == 0) ::usleep(100000);  // finishes after later items
        return CaseResult{i % 2 ? Outcome::kFail : Outcome::kPass, "reason " + std::to_string(i)};
      },
      options);
  ASSERT_EQ(results.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(results[i].result.outcome, i % 2 ? Outcome::kFail : Outcome::kPass);
    EXPECT_EQ(results[i].result.reason, "reason " + std::to_string(i));
  }
}

TEST(RunIsolatedTest, ReasonIsOneLine) {
  auto results = RunAll(1, [](size_t) { return CaseResult{Outcome::kFail, "a\nb"}; });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result.reason, "a | b");
}

TEST(RunIsolatedTest, SignalIsACrashWithTheLastOutputLine) {
  auto results = RunAll(2, [](size_t i) -> CaseResult {
    if (i == 1) {
      std::fprintf(stderr, "about to fail\n");
      std::fflush(stderr);
      std::abort();
    }
    return {Outcome::kPass, ""};
  });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].result.outcome, Outcome::kPass);
  EXPECT_EQ(results[1].result.outcome, Outcome::kCrash);
  EXPECT_NE(results[1].result.reason.find("SIGABRT"), std::string::npos)
      << results[1].result.reason;
  EXPECT_NE(results[1].result.reason.find("about to fail"), std::string::npos)
      << results[1].result.reason;
}

TEST(RunIsolatedTest, ExitWithoutResultIsACrash) {
  auto results = RunAll(1, [](size_t) -> CaseResult { std::_Exit(3); });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result.outcome, Outcome::kCrash);
  EXPECT_NE(results[0].result.reason.find("status 3"), std::string::npos);
}

TEST(RunIsolatedTest, ExceptionIsACrash) {
  auto results = RunAll(1, [](size_t) -> CaseResult { throw std::runtime_error("boom"); });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result.outcome, Outcome::kCrash);
  EXPECT_NE(results[0].result.reason.find("boom"), std::string::npos);
}

TEST(RunIsolatedTest, HangIsKilledAfterTheTimeout) {
  IsolationOptions options;
  options.timeout_seconds = 0.5;
  auto results = RunAll(
      2,
      [](size_t i) -> CaseResult {
        if (i == 0) ::pause();
        return {Outcome::kPass, ""};
      },
      options);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].result.outcome, Outcome::kCrash);
  EXPECT_NE(results[0].result.reason.find("timed out"), std::string::npos);
  EXPECT_LT(results[0].millis, 5000);
  EXPECT_EQ(results[1].result.outcome, Outcome::kPass);
}

TEST(RunIsolatedTest, MemoryLimitTurnsRunawayAllocationIntoAFailureNotAHostOom) {
  IsolationOptions options;
  options.memory_limit_mb = 256;
  auto results = RunAll(
      1,
      [](size_t) -> CaseResult {
        void* p = std::malloc(size_t{1} << 30);
        return {p == nullptr ? Outcome::kFail : Outcome::kPass, "allocation"};
      },
      options);
  ASSERT_EQ(results.size(), 1u);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(results[0].result.outcome, Outcome::kFail);
#endif
}

}  // namespace
}  // namespace berth::conformance
