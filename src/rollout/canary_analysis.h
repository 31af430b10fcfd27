// Canary analysis: what a server saw of a rollout's two arms (baseline and candidate), and
// the verdict on it. The monitor is fed by every request the rollout routes; the controller
// (serving/registry_follower.h) shares each server's figures through the registry, sums the
// fleet's (Sum) and asks for a verdict on them every poll, and writes it to the registry.
// Latencies are cumulative histograms (latency_histogram.h), which add up across servers: a
// p99 is within 4.4% of the samples' exact nearest-rank p99.
#ifndef BERTH_ROLLOUT_CANARY_ANALYSIS_H_
#define BERTH_ROLLOUT_CANARY_ANALYSIS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "rollout/latency_histogram.h"

namespace berth::rollout {

// One arm's record since the rollout began (on one server, or summed over the fleet).
struct ArmStats {
  int64_t requests = 0;
  int64_t errors = 0;        // failed requests (and, in shadow, answers that differ)
  LatencyHistogram latency;  // of the successful requests

  int64_t latency_samples() const { return latency.count(); }
  double p99_us() const { return latency.Quantile(0.99); }
};

struct RolloutObservation {
  ArmStats baseline;
  ArmStats candidate;
  // How many servers' figures these are (Sum: those with at least one request).
  int servers = 1;
};

// The fleet's figures: requests, errors and latency histograms added arm by arm.
RolloutObservation Sum(const std::vector<RolloutObservation>& parts);

// Thread-safe.
class RolloutMonitor {
 public:
  // One request of rollout `rollout_id` on the candidate (or baseline) arm: whether it
  // succeeded (for shadow copies: whether the answer agreed) and how long it took.
  void Record(int64_t rollout_id, bool candidate, bool ok, double latency_us);
  // What this server saw of the rollout since its first request here (zeros before).
  RolloutObservation Observe(int64_t rollout_id) const;
  void Forget(int64_t rollout_id);
  // Forgets every rollout but those in `active` (the ones still routed): a server that does
  // not judge never sees a verdict, so this is how it drops the figures of ended rollouts.
  void Retain(const std::set<int64_t>& active);

 private:
  mutable std::mutex mu_;
  std::map<int64_t, RolloutObservation> rollouts_;  // guarded by mu_
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
// The reason names the figures and how many servers they come from ("... over 3 servers").
inline constexpr int64_t kMinP99Samples = 100;
Judgement Judge(const RolloutThresholds& t, const RolloutObservation& o, bool baked);

}  // namespace berth::rollout

#endif  // BERTH_ROLLOUT_CANARY_ANALYSIS_H_
