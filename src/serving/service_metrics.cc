#include "serving/service_metrics.h"

#include <map>
#include <utility>

#include "monitoring/samples.h"

namespace berth::serving {

const char* UnroutedReason(Unrouted reason) {
  switch (reason) {
    case Unrouted::kInvalidName:
      return "invalid_name";
    case Unrouted::kUnknownModel:
      return "unknown_model";
    case Unrouted::kUnknownVersion:
      return "unknown_version";
    case Unrouted::kUnknownAlias:
      return "unknown_alias";
    case Unrouted::kNotReady:
      return "not_ready";
    case Unrouted::kNotAccepting:
      return "not_accepting";
  }
  return "unknown_model";
}

const char* RolloutArmName(RolloutArm arm) {
  switch (arm) {
    case RolloutArm::kBaseline:
      return "baseline";
    case RolloutArm::kCandidate:
      return "candidate";
    case RolloutArm::kShadow:
      return "shadow";
  }
  return "baseline";
}

// Samples the manager and the routes at every scrape.
class ServiceMetrics::StateCollector : public prometheus::Collectable {
 public:
  void Watch(const ModelManager* manager, std::shared_ptr<const rollout::Routes> routes) {
    std::lock_guard<std::mutex> lock(mu_);
    manager_ = manager;
    routes_ = std::move(routes);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (manager_ == nullptr) return {};
    std::vector<prometheus::MetricFamily> families = VersionFamilies();
    if (routes_) {
      for (auto& family : RouteFamilies()) families.push_back(std::move(family));
    }
    return families;
  }

 private:
  // Queue depth and memory of each ready version; versions of each model by state.
  std::vector<prometheus::MetricFamily> VersionFamilies() const {
    using monitoring::AddSample;
    using prometheus::MetricType;
    auto depth = monitoring::SampledFamily(
        "berth_queue_depth", "Requests waiting in the version's queue", MetricType::Gauge);
    auto memory = monitoring::SampledFamily(
        "berth_model_memory_bytes",
        "Bytes of the version's weights (the model's initializers as loaded)", MetricType::Gauge);
    for (const auto& v : manager_->ReadyVersions()) {
      const monitoring::SampleLabels labels = {{"model", v->model_name},
                                               {"version", std::to_string(v->version)}};
      AddSample(depth, labels, static_cast<double>(v->scheduler->queue_depth()));
      AddSample(memory, labels, static_cast<double>(v->model->summary().parameter_bytes));
    }
    std::map<std::string, std::map<VersionState, int>> states;
    for (const VersionStatus& s : manager_->Index()) ++states[s.model_name][s.state];
    auto by_state = monitoring::SampledFamily(
        "berth_model_versions", "Versions of the model in each state", MetricType::Gauge);
    for (auto& [model, counts] : states) {
      for (VersionState state : {VersionState::kLoading, VersionState::kReady,
                                 VersionState::kUnloading, VersionState::kFailed}) {
        AddSample(by_state, {{"model", model}, {"state", VersionStateName(state)}}, counts[state]);
      }
    }
    return {std::move(depth), std::move(memory), std::move(by_state)};
  }

  // Where each alias points, and its rollout.
  std::vector<prometheus::MetricFamily> RouteFamilies() const {
    using monitoring::AddSample;
    using prometheus::MetricType;
    auto alias_version = monitoring::SampledFamily(
        "berth_alias_version", "The version the alias serves (a rollout's baseline)",
        MetricType::Gauge);
    auto active = monitoring::SampledFamily(
        "berth_rollout_active", "1 while a rollout runs on the alias, else 0", MetricType::Gauge);
    auto canary = monitoring::SampledFamily(
        "berth_rollout_canary_percent",
        "The share of the alias's requests its rollout's candidate answers (0 without one)",
        MetricType::Gauge);
    for (const auto& [model, aliases] : routes_->All()) {
      for (const auto& [alias, route] : aliases) {
        const monitoring::SampleLabels labels = {{"model", model}, {"alias", alias}};
        AddSample(alias_version, labels, static_cast<double>(route.version));
        AddSample(active, labels, route.rollout ? 1 : 0);
        AddSample(canary, labels, route.rollout ? route.rollout->canary_percent : 0);
      }
    }
    return {std::move(alias_version), std::move(active), std::move(canary)};
  }

  mutable std::mutex mu_;
  const ModelManager* manager_ = nullptr;          // guarded by mu_
  std::shared_ptr<const rollout::Routes> routes_;  // guarded by mu_
};

ServiceMetrics::ServiceMetrics(std::shared_ptr<monitoring::Metrics> metrics)
    : metrics_(std::move(metrics)),
      versions_(std::make_shared<VersionMetricsFactory>(metrics_)),
      rollout_requests_(prometheus::BuildCounter()
                            .Name("berth_rollout_requests_total")
                            .Help("Requests of a rollout's arms, by outcome")
                            .Register(metrics_->registry())),
      shadow_comparisons_(prometheus::BuildCounter()
                              .Name("berth_shadow_comparisons_total")
                              .Help("Shadow answers compared with the baseline's")
                              .Register(metrics_->registry())),
      state_(std::make_shared<StateCollector>()) {
  auto& unrouted = prometheus::BuildCounter()
                       .Name("berth_unrouted_requests_total")
                       .Help("Inference requests that reached no loaded version, by reason")
                       .Register(metrics_->registry());
  for (int i = 0; i < kUnroutedCount; ++i) {
    unrouted_[i] = &unrouted.Add({{"reason", UnroutedReason(static_cast<Unrouted>(i))}});
  }
  metrics_->AddCollectable(state_);
}

ServiceMetrics::~ServiceMetrics() { Detach(); }

void ServiceMetrics::Watch(const ModelManager* manager,
                           std::shared_ptr<const rollout::Routes> routes) {
  state_->Watch(manager, std::move(routes));
}

void ServiceMetrics::Detach() { state_->Watch(nullptr, nullptr); }

void ServiceMetrics::CountUnrouted(Unrouted reason) {
  unrouted_[static_cast<int>(reason)]->Increment();
}

void ServiceMetrics::CountRolloutRequest(const std::string& model, const std::string& alias,
                                         RolloutArm arm, Outcome outcome) {
  rollout_requests_
      .Add({{"model", model},
            {"alias", alias},
            {"arm", RolloutArmName(arm)},
            {"outcome", OutcomeName(outcome)}})
      .Increment();
}

void ServiceMetrics::CountShadowComparison(const std::string& model, const std::string& alias,
                                           bool agree) {
  shadow_comparisons_
      .Add({{"model", model}, {"alias", alias}, {"result", agree ? "agree" : "disagree"}})
      .Increment();
}

VerdictMetrics::VerdictMetrics(monitoring::Metrics& metrics)
    : verdicts_(prometheus::BuildCounter()
                    .Name("berth_rollout_verdicts_total")
                    .Help("Rollouts this server ended, by verdict")
                    .Register(metrics.registry())),
      rollbacks_(prometheus::BuildCounter()
                     .Name("berth_rollbacks_total")
                     .Help("Rollouts this server rolled back automatically")
                     .Register(metrics.registry())),
      leader_(prometheus::BuildGauge()
                  .Name("berth_leader")
                  .Help("1 while this server leads the servers following its registry (judges "
                        "rollouts, sends the fleet's events)")
                  .Register(metrics.registry())
                  .Add({})) {}

void VerdictMetrics::CountVerdict(const std::string& model, const std::string& alias,
                                  bool promoted) {
  verdicts_
      .Add({{"model", model}, {"alias", alias}, {"verdict", promoted ? "promoted" : "rolled_back"}})
      .Increment();
  auto& rollbacks = rollbacks_.Add({{"model", model}, {"alias", alias}});
  if (!promoted) rollbacks.Increment();
}

void VerdictMetrics::SetLeader(bool leading) { leader_.Set(leading ? 1 : 0); }

}  // namespace berth::serving
