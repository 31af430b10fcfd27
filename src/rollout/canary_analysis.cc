#include "rollout/canary_analysis.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace berth::rollout {
namespace {

void AddArm(ArmStats& into, const ArmStats& arm) {
  into.requests += arm.requests;
  into.errors += arm.errors;
  into.latency.Merge(arm.latency);
}

std::string Servers(int n) { return absl::StrFormat("over %d server%s", n, n == 1 ? "" : "s"); }

}  // namespace

RolloutObservation Sum(const std::vector<RolloutObservation>& parts) {
  RolloutObservation sum;
  sum.servers = 0;
  for (const RolloutObservation& o : parts) {
    AddArm(sum.baseline, o.baseline);
    AddArm(sum.candidate, o.candidate);
    if (o.baseline.requests > 0 || o.candidate.requests > 0) ++sum.servers;
  }
  return sum;
}

void RolloutMonitor::Record(int64_t rollout_id, bool candidate, bool ok, double latency_us) {
  std::lock_guard<std::mutex> lock(mu_);
  RolloutObservation& r = rollouts_[rollout_id];
  ArmStats& arm = candidate ? r.candidate : r.baseline;
  ++arm.requests;
  if (!ok) {
    ++arm.errors;
    return;
  }
  arm.latency.Add(latency_us);
}

RolloutObservation RolloutMonitor::Observe(int64_t rollout_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return {};
  return it->second;
}

void RolloutMonitor::Forget(int64_t rollout_id) {
  std::lock_guard<std::mutex> lock(mu_);
  rollouts_.erase(rollout_id);
}

void RolloutMonitor::Retain(const std::set<int64_t>& active) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(rollouts_, [&active](const auto& entry) { return !active.contains(entry.first); });
}

Judgement Judge(const RolloutThresholds& t, const RolloutObservation& o, bool baked) {
  const ArmStats& c = o.candidate;
  const ArmStats& b = o.baseline;
  if (c.requests < std::max<int64_t>(1, t.min_requests)) return {};
  const double error_rate = static_cast<double>(c.errors) / static_cast<double>(c.requests);
  if (error_rate > t.max_error_rate) {
    return {Verdict::kRollBack,
            absl::StrFormat("candidate error rate %.4f over %d requests exceeds %.4f (%s)",
                            error_rate, c.requests, t.max_error_rate, Servers(o.servers))};
  }
  // The p99 of fewer than 100 samples is their maximum: one cold start would decide.
  const int64_t enough = std::max<int64_t>(kMinP99Samples, t.min_requests);
  const bool latencies_known = c.latency_samples() >= enough && b.latency_samples() >= enough;
  const double c_p99 = c.p99_us();
  const double b_p99 = b.p99_us();
  if (latencies_known && b_p99 > 0 && c_p99 / b_p99 > t.max_p99_ratio) {
    return {Verdict::kRollBack,
            absl::StrFormat("candidate p99 %.0f us is %.2fx the baseline's %.0f us (limit "
                            "%.2fx; %d and %d latencies %s)",
                            c_p99, c_p99 / b_p99, b_p99, t.max_p99_ratio, c.latency_samples(),
                            b.latency_samples(), Servers(o.servers))};
  }
  if (!baked) return {};
  return {Verdict::kPromote,
          absl::StrFormat("baked: candidate error rate %.4f over %d requests, p99 %.0f us "
                          "against the baseline's %.0f us over %d requests (%s)",
                          error_rate, c.requests, c_p99, b_p99, b.requests, Servers(o.servers))};
}

}  // namespace berth::rollout
