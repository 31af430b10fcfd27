// The service's metrics beyond each version's own series (version_metrics.h): requests that
// reached no version (berth_unrouted_requests_total{reason}: a fixed set of reasons, never
// the name a request gave), rollout arms and shadow comparisons, and the values sampled at
// scrape time from the model manager and the routes: queue depths, versions by state, model
// memory, where aliases point and their rollouts.
//
// Thread safety: every method may be called from any thread at once.
#ifndef BERTH_SERVING_SERVICE_METRICS_H_
#define BERTH_SERVING_SERVICE_METRICS_H_

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "monitoring/metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "rollout/routes.h"
#include "serving/model_manager.h"
#include "serving/version_metrics.h"

namespace berth::serving {

// Why a request reached no version (the `reason` label).
enum class Unrouted {
  kInvalidName,     // the model name is not a valid name
  kUnknownModel,    // no such model is loaded
  kUnknownVersion,  // the model has no such version
  kUnknownAlias,    // the model has no such alias (or the server serves no aliases)
  kNotReady,        // the version exists but is loading, failed or unloading
  kNotAccepting,    // the server is starting or shutting down
};
inline constexpr int kUnroutedCount = 6;
// "invalid_name", "unknown_model", "unknown_version", "unknown_alias", "not_ready",
// "not_accepting".
const char* UnroutedReason(Unrouted reason);

// Which arm of a rollout a request ran on (the `arm` label).
enum class RolloutArm { kBaseline, kCandidate, kShadow };
const char* RolloutArmName(RolloutArm arm);  // "baseline", "candidate", "shadow"

class ServiceMetrics {
 public:
  explicit ServiceMetrics(std::shared_ptr<monitoring::Metrics> metrics);
  // Stops sampling the manager (call before it is destroyed).
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // For the model manager: each version's series and the load metrics.
  const std::shared_ptr<VersionMetricsFactory>& versions() const { return versions_; }

  // From now until Detach (or destruction), every scrape samples `manager` and `routes`
  // (may be null: no aliases). `manager` must outlive Detach.
  void Watch(const ModelManager* manager, std::shared_ptr<const rollout::Routes> routes);
  // Stops sampling; waits for a scrape that is sampling now. Idempotent.
  void Detach();

  void CountUnrouted(Unrouted reason);
  // One request of a rollout's arm ended with `outcome`. Looks its series up (rollout
  // requests only; the model and alias come from the routes).
  void CountRolloutRequest(const std::string& model, const std::string& alias, RolloutArm arm,
                           Outcome outcome);
  // A shadow copy's answer compared with the baseline's.
  void CountShadowComparison(const std::string& model, const std::string& alias, bool agree);

 private:
  class StateCollector;
  const std::shared_ptr<monitoring::Metrics> metrics_;
  const std::shared_ptr<VersionMetricsFactory> versions_;
  std::array<prometheus::Counter*, kUnroutedCount> unrouted_{};
  prometheus::Family<prometheus::Counter>& rollout_requests_;
  prometheus::Family<prometheus::Counter>& shadow_comparisons_;
  const std::shared_ptr<StateCollector> state_;
};

// Registers the rollout verdict counters (berth_rollout_verdicts_total{model,alias,verdict},
// berth_rollbacks_total{model,alias}) and the leadership gauge (berth_leader: 1 while this
// server leads the servers following its registry); the registry follower sets them.
class VerdictMetrics {
 public:
  explicit VerdictMetrics(monitoring::Metrics& metrics);
  // This server ended a rollout: promoted, or rolled back (an automatic rollback).
  void CountVerdict(const std::string& model, const std::string& alias, bool promoted);
  // This server leads the fleet (or stopped leading it).
  void SetLeader(bool leading);

 private:
  prometheus::Family<prometheus::Counter>& verdicts_;
  prometheus::Family<prometheus::Counter>& rollbacks_;
  prometheus::Gauge& leader_;
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_SERVICE_METRICS_H_
