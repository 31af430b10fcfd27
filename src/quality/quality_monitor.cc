#include "quality/quality_monitor.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "monitoring/samples.h"
#include "prometheus/metric_type.h"
#include "spdlog/spdlog.h"

namespace berth::quality {
namespace {

bool Draw(double rate) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<>(0, 1)(rng) < rate;
}

}  // namespace

std::optional<Prediction> PredictionOf(const engine::Tensor& output) {
  if (output.rank() == 0 || output.dim(0) != 1 || output.num_elements() == 0) return std::nullopt;
  absl::StatusOr<BinningKind> kind = KindFor(TensorRole::kOutput, output);
  if (!kind.ok()) return std::nullopt;
  std::optional<Prediction> p;
  ForEachRowValue(*kind, output, 0, output.num_elements(), [&](int64_t, double v) {
    p = Prediction{0, *kind == BinningKind::kClasses, v};
  });
  return p;
}

QualityMonitor::QualityMonitor(QualityOptions options,
                               std::shared_ptr<monitoring::EventSink> events,
                               std::function<bool(const VersionKey&)> is_loaded)
    : options_(options), events_(std::move(events)), is_loaded_(std::move(is_loaded)) {}

bool QualityMonitor::WantsDrift(bool has_profile) const {
  return (has_profile || options_.reference_rows > 0) && Draw(options_.sample_rate);
}

std::shared_ptr<QualityMonitor::VersionState> QualityMonitor::StateFor(const VersionKey& version) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<VersionState>& state = versions_[version];
  if (!state) {
    state = std::make_shared<VersionState>();
    state->accuracy = std::make_unique<LiveAccuracy>(options_.accuracy_window);
  }
  return state;
}

void QualityMonitor::EnsureWindow(VersionState& state,
                                  const std::shared_ptr<const Profile>& profile) {
  if (state.window) return;
  if (!state.profile) state.profile = profile;
  if (!state.profile) return;
  state.window = std::make_unique<DriftWindow>(
      state.profile, DriftWindowOptions{options_.window_rows, options_.sub_windows});
}

void QualityMonitor::FeedBuilder(VersionState& state, const VersionKey& version, TensorRole role,
                                 const std::vector<TensorRef>& tensors) {
  if (state.profile || options_.reference_rows <= 0) return;
  if (!state.builder) state.builder = std::make_unique<ProfileBuilder>(kDefaultBins, 4096);
  for (const TensorRef& t : tensors) {
    absl::Status added = state.builder->Add(role, *t.name, *t.tensor);
    if (!added.ok()) {
      spdlog::warn("model '{}' version {}: {}", version.model, version.version,
                   std::string(added.message()));
    }
  }
  if (role != TensorRole::kInput || state.builder->rows() < options_.reference_rows) return;
  absl::StatusOr<Profile> made = state.builder->Finish(absl::Now(), "live traffic");
  state.builder.reset();
  if (!made.ok()) return;
  spdlog::info("model '{}' version {}: reference profile made from its first {} rows",
               version.model, version.version, made->rows);
  state.profile = std::make_shared<const Profile>(*std::move(made));
}

std::vector<monitoring::Event> QualityMonitor::CheckDrift(VersionState& state,
                                                          const VersionKey& version) {
  std::vector<monitoring::Event> events;
  const absl::Time now = absl::Now();
  if (!state.window || now - state.last_check < options_.check_interval) return events;
  state.last_check = now;
  for (const TensorDrift& d : state.window->Drift()) {
    if (d.rows < options_.min_window_rows) continue;
    bool& alerting = state.alerting[d.name];
    const bool detected = !alerting && d.psi > options_.alert_psi;
    const bool resolved = alerting && d.psi < options_.alert_psi * options_.resolve_ratio;
    if (!detected && !resolved) continue;
    alerting = detected;
    monitoring::Event e;
    e.type = detected ? monitoring::kDriftDetected : monitoring::kDriftResolved;
    e.model = version.model;
    e.version = version.version;
    e.reason = absl::StrCat(
        TensorRoleName(d.role), " '", d.name, "' PSI ", absl::StrFormat("%.3f", d.psi),
        detected ? " above " : " back below ",
        absl::StrFormat(
            "%.3f", detected ? options_.alert_psi : options_.alert_psi * options_.resolve_ratio));
    e.at = now;
    e.details = {{"tensor", d.name},
                 {"role", TensorRoleName(d.role)},
                 {"psi", absl::StrFormat("%.4f", d.psi)},
                 {"threshold", absl::StrFormat("%.4f", options_.alert_psi)},
                 {"window_rows", absl::StrCat(d.rows)}};
    events.push_back(std::move(e));
  }
  return events;
}

void QualityMonitor::Observe(const VersionKey& version,
                             const std::shared_ptr<const Profile>& profile, TensorRole role,
                             const std::vector<TensorRef>& tensors) {
  std::shared_ptr<VersionState> state = StateFor(version);
  std::vector<monitoring::Event> events;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    EnsureWindow(*state, profile);
    if (!state->window) {
      FeedBuilder(*state, version, role, tensors);
      EnsureWindow(*state, nullptr);
      return;
    }
    for (const TensorRef& t : tensors) state->window->Observe(role, *t.name, *t.tensor);
    events = CheckDrift(*state, version);
  }
  if (!events_) return;
  for (monitoring::Event& e : events) {
    spdlog::info("model '{}' version {}: {}", e.model, e.version, e.reason);
    events_->Publish(std::move(e));
  }
}

void QualityMonitor::ObserveInputs(const VersionKey& version,
                                   const std::shared_ptr<const Profile>& profile,
                                   const std::vector<TensorRef>& inputs) {
  Observe(version, profile, TensorRole::kInput, inputs);
}

void QualityMonitor::ObserveOutputs(const VersionKey& version,
                                    const std::shared_ptr<const Profile>& profile,
                                    bool observe_drift, const std::string& request_id,
                                    const std::string& first_output,
                                    const std::vector<TensorRef>& outputs) {
  if (observe_drift) Observe(version, profile, TensorRole::kOutput, outputs);
  if (request_id.empty() || !Draw(options_.record_sample_rate)) return;
  for (const TensorRef& t : outputs) {
    if (*t.name != first_output) continue;
    std::optional<Prediction> p = PredictionOf(*t.tensor);
    if (!p) return;
    p->version = version.version;
    std::lock_guard<std::mutex> lock(mu_);
    ModelState& model = models_[version.model];
    if (!model.record) model.record = std::make_unique<PredictionRecord>(options_.record_capacity);
    model.record->Add(request_id, *p);
    return;
  }
}

void QualityMonitor::CountInvalidFeedback(const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  ++models_[model].counts.invalid;
}

absl::StatusOr<FeedbackResult> QualityMonitor::Feedback(const std::string& model,
                                                        const FeedbackLabel& label) {
  std::optional<Prediction> p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ModelState& m = models_[model];
    if (m.record) p = m.record->Take(label.id);
    if (!p) {
      ++m.counts.unknown_id;
      return absl::NotFoundError(
          absl::StrCat("model '", model, "' has no prediction recorded under id '", label.id,
                       "' (never seen, expired from the record, or already labelled)"));
    }
    if (p->classification && (!label.is_integer || label.value < 0)) {
      ++m.counts.invalid;
      m.record->Add(label.id, *p);  // the prediction stays for a valid label
      return absl::InvalidArgumentError(
          absl::StrCat("'label' must be a class index (a non-negative integer): model '", model,
                       "' classifies"));
    }
    ++m.counts.joined;
  }
  FeedbackResult result;
  result.version = p->version;
  result.classification = p->classification;
  if (p->classification) {
    result.predicted_class = static_cast<int64_t>(p->value);
    result.correct = static_cast<int64_t>(label.value) == result.predicted_class;
  } else {
    result.predicted = p->value;
    result.absolute_error = std::fabs(label.value - p->value);
  }
  std::shared_ptr<VersionState> state = StateFor({model, p->version});
  std::lock_guard<std::mutex> lock(state->mu);
  if (result.classification) {
    state->accuracy->AddClassification(result.correct);
  } else {
    state->accuracy->AddRegression(result.absolute_error);
  }
  return result;
}

std::vector<TensorDrift> QualityMonitor::DriftOf(const VersionKey& version) const {
  std::shared_ptr<VersionState> state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = versions_.find(version);
    if (it == versions_.end()) return {};
    state = it->second;
  }
  std::lock_guard<std::mutex> lock(state->mu);
  return state->window ? state->window->Drift() : std::vector<TensorDrift>{};
}

std::vector<prometheus::MetricFamily> QualityMonitor::Collect() const {
  using prometheus::MetricType;
  auto psi = monitoring::SampledFamily(
      "berth_drift_psi",
      "Population stability index of an input (its worst feature) or an output "
      "over the live window, against the version's reference profile",
      MetricType::Gauge);
  auto window_rows = monitoring::SampledFamily("berth_drift_window_rows",
                                               "Rows of live traffic in the version's drift window",
                                               MetricType::Gauge);
  auto accuracy = monitoring::SampledFamily(
      "berth_live_accuracy", "Top-1 agreement of the version's last labelled predictions",
      MetricType::Gauge);
  auto mae = monitoring::SampledFamily(
      "berth_live_mean_absolute_error",
      "Mean absolute error of the version's last labelled predictions", MetricType::Gauge);
  auto labelled = monitoring::SampledFamily("berth_live_labelled",
                                            "Labelled predictions berth_live_accuracy and "
                                            "berth_live_mean_absolute_error are over",
                                            MetricType::Gauge);
  auto feedback = monitoring::SampledFamily(
      "berth_feedback_total", "Feedback labels received, by result (joined, unknown_id, invalid)",
      MetricType::Counter);
  std::vector<std::pair<VersionKey, std::shared_ptr<VersionState>>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = versions_.begin(); it != versions_.end();) {
      if (is_loaded_ && !is_loaded_(it->first)) {
        it = versions_.erase(it);
      } else {
        live.emplace_back(it->first, it->second);
        ++it;
      }
    }
    for (const auto& [model, state] : models_) {
      for (const auto& [result, count] : {std::pair{"joined", state.counts.joined},
                                          std::pair{"unknown_id", state.counts.unknown_id},
                                          std::pair{"invalid", state.counts.invalid}}) {
        monitoring::AddSample(feedback, {{"model", model}, {"result", result}},
                              static_cast<double>(count));
      }
    }
  }
  for (const auto& [key, state] : live) {
    const std::string version = std::to_string(key.version);
    std::lock_guard<std::mutex> lock(state->mu);
    if (state->window) {
      monitoring::AddSample(window_rows, {{"model", key.model}, {"version", version}},
                            state->window->rows());
      for (const TensorDrift& d : state->window->Drift()) {
        if (d.rows < options_.min_window_rows) continue;
        monitoring::AddSample(psi, {{"model", key.model}, {"version", version}, {"tensor", d.name}},
                              d.psi);
      }
    }
    const LiveAccuracy& a = *state->accuracy;
    if (a.labelled() == 0) continue;
    monitoring::AddSample(labelled, {{"model", key.model}, {"version", version}},
                          static_cast<double>(a.labelled()));
    if (a.accuracy()) {
      monitoring::AddSample(accuracy, {{"model", key.model}, {"version", version}}, *a.accuracy());
    }
    if (a.mean_absolute_error()) {
      monitoring::AddSample(mae, {{"model", key.model}, {"version", version}},
                            *a.mean_absolute_error());
    }
  }
  std::vector<prometheus::MetricFamily> families;
  for (auto* f : {&psi, &window_rows, &accuracy, &mae, &labelled, &feedback}) {
    if (!f->metric.empty()) families.push_back(std::move(*f));
  }
  return families;
}

}  // namespace berth::quality
