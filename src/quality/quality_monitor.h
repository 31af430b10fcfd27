// Live model quality in the server: per loaded version, the drift window over its traffic
// against its reference profile (or the profile it builds from its first rows), the record
// of recent predictions that feedback labels join, and the live accuracy they give; all
// exported as metrics computed when scraped (it is a prometheus::Collectable) and drift
// events published when a tensor's PSI crosses the alert threshold.
//
// The service calls ObserveInputs / ObserveOutputs on the request path (a map lookup, a
// lock, and binning the rows: see docs/METRICS.md for the measured cost) and Feedback for
// POST /v2/models/NAME/feedback. Thread-safe.
#ifndef BERTH_QUALITY_QUALITY_MONITOR_H_
#define BERTH_QUALITY_QUALITY_MONITOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/core/tensor.h"
#include "monitoring/events.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "quality/drift_window.h"
#include "quality/prediction_record.h"
#include "quality/profile.h"

namespace berth::quality {

struct QualityOptions {
  // The live window (DriftWindow).
  int64_t window_rows = 1000;
  int sub_windows = 10;
  // PSI is exported (and judged) once a tensor's window holds this many rows.
  int64_t min_window_rows = 100;
  // A version with no profile builds one from the first this many rows it serves; 0: off.
  int64_t reference_rows = 0;
  // The share of requests whose rows go to the drift window (and the reference builder).
  double sample_rate = 1.0;
  // drift.detected when a tensor's PSI goes above alert_psi; drift.resolved when it goes
  // back below alert_psi * resolve_ratio.
  double alert_psi = 0.2;
  double resolve_ratio = 0.75;
  absl::Duration check_interval = absl::Seconds(5);
  // The prediction record (per model) and the live accuracy window (per version).
  int64_t record_capacity = 10000;
  double record_sample_rate = 1.0;
  int64_t accuracy_window = 1000;
};

// A version as the monitor knows it.
struct VersionKey {
  std::string model;
  int64_t version = 0;
  bool operator<(const VersionKey& o) const {
    return std::tie(model, version) < std::tie(o.model, o.version);
  }
};

// A tensor of a request or response, by name (both outlive the call).
struct TensorRef {
  const std::string* name;
  const engine::Tensor* tensor;
};

// A label for a recorded prediction.
struct FeedbackLabel {
  std::string id;
  double value = 0;
  bool is_integer = false;  // the JSON held an integer
};

struct FeedbackResult {
  int64_t version = 0;
  bool classification = false;
  int64_t predicted_class = 0;  // classification
  bool correct = false;         // classification
  double predicted = 0;         // regression
  double absolute_error = 0;    // regression
};

class QualityMonitor : public prometheus::Collectable {
 public:
  // `is_loaded` tells whether a version still serves; state of versions that no longer do
  // is dropped at the next scrape (their series disappear). `events` may be null.
  QualityMonitor(QualityOptions options, std::shared_ptr<monitoring::EventSink> events,
                 std::function<bool(const VersionKey&)> is_loaded);

  // Whether this request's rows go to the drift window: the version has a profile (or may
  // build one: reference_rows > 0), and the request is in the sample (sample_rate).
  bool WantsDrift(bool has_profile) const;

  // The inputs of a request that `version` (with its profile, possibly null) runs, in the
  // model's order. Rows go to the window, or to the reference builder while the version
  // has no profile and reference_rows > 0.
  void ObserveInputs(const VersionKey& version, const std::shared_ptr<const Profile>& profile,
                     const std::vector<TensorRef>& inputs);
  // The outputs it gave (those the request asked for), and the prediction of a one-row
  // request whose first model output (`first_output`) is among them, recorded under
  // `request_id` (when not empty, and sampled). `observe_drift` as WantsDrift for this
  // request.
  void ObserveOutputs(const VersionKey& version, const std::shared_ptr<const Profile>& profile,
                      bool observe_drift, const std::string& request_id,
                      const std::string& first_output, const std::vector<TensorRef>& outputs);

  // Joins `label` to the prediction recorded under its id for model `model` (which the
  // caller checked serves). NotFound when no prediction is recorded under the id (never
  // seen, evicted, or already labelled); InvalidArgument when the label does not fit the
  // prediction (a class index must be a non-negative integer). Counts the outcome in
  // berth_feedback_total. CountInvalidFeedback counts a body that did not parse.
  absl::StatusOr<FeedbackResult> Feedback(const std::string& model, const FeedbackLabel& label);
  void CountInvalidFeedback(const std::string& model);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // For tests: the drift of a version now (empty without a window).
  std::vector<TensorDrift> DriftOf(const VersionKey& version) const;

 private:
  struct VersionState {
    std::mutex mu;
    std::shared_ptr<const Profile> profile;        // guarded by mu
    std::unique_ptr<DriftWindow> window;           // guarded by mu
    std::unique_ptr<ProfileBuilder> builder;       // guarded by mu (reference_rows mode)
    std::unique_ptr<LiveAccuracy> accuracy;        // guarded by mu
    std::map<std::string, bool> alerting;          // guarded by mu; tensor -> above threshold
    absl::Time last_check = absl::InfinitePast();  // guarded by mu
  };
  struct FeedbackCounts {
    int64_t joined = 0, unknown_id = 0, invalid = 0;
  };
  struct ModelState {
    std::unique_ptr<PredictionRecord> record;
    FeedbackCounts counts;
  };

  std::shared_ptr<VersionState> StateFor(const VersionKey& version);
  // With state.mu held: makes the window once a profile is known.
  void EnsureWindow(VersionState& state, const std::shared_ptr<const Profile>& profile);
  // With state.mu held: feeds the reference builder; makes the profile once it has enough.
  void FeedBuilder(VersionState& state, const VersionKey& version, TensorRole role,
                   const std::vector<TensorRef>& tensors);
  // With state.mu held: the drift check (at most every check_interval); returns the events.
  std::vector<monitoring::Event> CheckDrift(VersionState& state, const VersionKey& version);
  void Observe(const VersionKey& version, const std::shared_ptr<const Profile>& profile,
               TensorRole role, const std::vector<TensorRef>& tensors);

  const QualityOptions options_;
  const std::shared_ptr<monitoring::EventSink> events_;
  const std::function<bool(const VersionKey&)> is_loaded_;
  mutable std::mutex mu_;
  mutable std::map<VersionKey, std::shared_ptr<VersionState>> versions_;  // guarded by mu_
  std::map<std::string, ModelState> models_;                              // guarded by mu_
};

// The top-1 class (argmax, or the value of an integer tensor of one element) or regression
// value of row 0 of `output`; nullopt when the output has not exactly one row or is not
// numeric.
std::optional<Prediction> PredictionOf(const engine::Tensor& output);

}  // namespace berth::quality

#endif  // BERTH_QUALITY_QUALITY_MONITOR_H_
