// Canary analysis: what a server saw of a rollout's two arms (baseline and candidate), and
// the verdict on it. The monitor is fed by every request the rollout routes; the controller
// (serving/registry_follower.h) asks for a verdict every poll and writes it to the registry.
#ifndef BERTH_ROLLOUT_CANARY_ANALYSIS_H_
#define BERTH_ROLLOUT_CANARY_ANALYSIS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "absl/time/time.h"

namespace berth::rollout {

// One arm's record since the rollout began on this server.
struct ArmStats {
  int64_t requests = 0;
  int64_t errors = 0;  // failed requests (and, in shadow, answers that differ)
  double p99_us = 0;   // over the most recent kLatencySamples successful requests
  int64_t latency_samples = 0;
};

struct RolloutObservation {
  ArmStats baseline;
  ArmStats candidate;
};

// How many recent latencies per arm the p99 is computed over.
inline constexpr size_t kLatencySamples = 4096;

// Thread-safe.
class RolloutMonitor {
 public:
  // One request of rollout `rollout_id` on the candidate (or baseline) arm: whether it
  // succeeded (for shadow copies: whether the answer agreed) and how long it took.
  void Record(int64_t rollout_id, bool candidate, bool ok, double latency_us);
  RolloutObservation Observe(int64_t rollout_id) const;
  void Forget(int64_t rollout_id);

 private:
  struct Arm {
    int64_t requests = 0;
    int64_t errors = 0;
    std::deque<double> latencies_us;  // newest at the back, at most kLatencySamples
  };
  struct Record_ {
    Arm baseline, candidate;
  };
  static ArmStats Summarize(const Arm& arm);
  mutable std::mutex mu_;
  std::map<int64_t, Record_> rollouts_;  // guarded by mu_
};

struct RolloutThresholds {
  double max_error_rate = 0.01;
  double max_p99_ratio = 1.5;
  int64_t min_requests = 100;
  int64_t bake_secs = 300;
};

enum class Verdict { kWait, kPromote, kRollBack };

struct Judgement {
  Verdict verdict = Verdict::kWait;
  std::string reason;  // the figures behind a promotion or a rollback
};

// The verdict once the candidate has served at least min_requests (before that, always
// wait): roll back when its error rate exceeds max_error_rate or its p99 exceeds
// max_p99_ratio times the baseline's (each arm with at least min_requests latencies, and at
// least kMinP99Samples); otherwise promote once `baked` (bake_secs since the start) is true.
inline constexpr int64_t kMinP99Samples = 100;
Judgement Judge(const RolloutThresholds& t, const RolloutObservation& o, bool baked);

}  // namespace berth::rollout

#endif  // BERTH_ROLLOUT_CANARY_ANALYSIS_H_
