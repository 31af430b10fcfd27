#include "rollout/canary_analysis.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"

namespace berth::rollout {

void RolloutMonitor::Record(int64_t rollout_id, bool candidate, bool ok, double latency_us) {
  std::lock_guard<std::mutex> lock(mu_);
  Record_& r = rollouts_[rollout_id];
  Arm& arm = candidate ? r.candidate : r.baseline;
  ++arm.requests;
  if (!ok) {
    ++arm.errors;
    return;
  }
  arm.latencies_us.push_back(latency_us);
  if (arm.latencies_us.size() > kLatencySamples) arm.latencies_us.pop_front();
}

ArmStats RolloutMonitor::Summarize(const Arm& arm) {
  ArmStats s;
  s.requests = arm.requests;
  s.errors = arm.errors;
  s.latency_samples = static_cast<int64_t>(arm.latencies_us.size());
  if (!arm.latencies_us.empty()) {
    std::vector<double> v(arm.latencies_us.begin(), arm.latencies_us.end());
    const size_t k = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(v.size()))) - 1;
    std::nth_element(v.begin(), v.begin() + k, v.end());
    s.p99_us = v[k];
  }
  return s;
}

RolloutObservation RolloutMonitor::Observe(int64_t rollout_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return {};
  return {Summarize(it->second.baseline), Summarize(it->second.candidate)};
}

void RolloutMonitor::Forget(int64_t rollout_id) {
  std::lock_guard<std::mutex> lock(mu_);
  rollouts_.erase(rollout_id);
}

Judgement Judge(const RolloutThresholds& t, const RolloutObservation& o, bool baked) {
  const ArmStats& c = o.candidate;
  const ArmStats& b = o.baseline;
  if (c.requests < std::max<int64_t>(1, t.min_requests)) return {};
  const double error_rate = static_cast<double>(c.errors) / static_cast<double>(c.requests);
  if (error_rate > t.max_error_rate) {
    return {Verdict::kRollBack,
            absl::StrFormat("candidate error rate %.4f over %d requests exceeds %.4f", error_rate,
                            c.requests, t.max_error_rate)};
  }
  // The p99 of fewer than 100 samples is their maximum: one cold start would decide.
  const int64_t enough = std::max<int64_t>(kMinP99Samples, t.min_requests);
  const bool latencies_known = c.latency_samples >= enough && b.latency_samples >= enough;
  if (latencies_known && b.p99_us > 0 && c.p99_us / b.p99_us > t.max_p99_ratio) {
    return {Verdict::kRollBack,
            absl::StrFormat("candidate p99 %.0f us is %.2fx the baseline's %.0f us (limit %.2fx)",
                            c.p99_us, c.p99_us / b.p99_us, b.p99_us, t.max_p99_ratio)};
  }
  if (!baked) return {};
  return {Verdict::kPromote,
          absl::StrFormat("baked: candidate error rate %.4f over %d requests, p99 %.0f us "
                          "against the baseline's %.0f us",
                          error_rate, c.requests, c.p99_us, b.p99_us)};
}

}  // namespace berth::rollout
