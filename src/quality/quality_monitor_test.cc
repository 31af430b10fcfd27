#include "quality/quality_monitor.h"

#include <set>

#include "gtest/gtest.h"
#include "quality/test_util.h"

namespace berth::quality {
namespace {

class RecordingSink : public monitoring::EventSink {
 public:
  void Publish(monitoring::Event e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(e));
  }
  std::mutex mu;
  std::vector<monitoring::Event> events;
};

const std::string kX = "x";
const std::string kY = "y";

std::shared_ptr<const Profile> Reference() {
  ProfileBuilder builder;
  EXPECT_TRUE(builder.Add(TensorRole::kInput, "x", Normal(2000, 2, 0)).ok());
  EXPECT_TRUE(builder.Add(TensorRole::kOutput, "y", Scores(2000, 3, 2000)).ok());
  return std::make_shared<const Profile>(*builder.Finish(absl::UnixEpoch(), "test"));
}

QualityOptions Fast() {
  QualityOptions o;
  o.window_rows = 500;
  o.min_window_rows = 100;
  o.check_interval = absl::ZeroDuration();
  o.record_capacity = 100;
  return o;
}

double Value(const std::vector<prometheus::MetricFamily>& families, const std::string& name,
             const std::vector<prometheus::ClientMetric::Label>& labels) {
  for (const auto& f : families) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = true;
      for (const auto& l : labels) {
        match = match && std::find(m.label.begin(), m.label.end(), l) != m.label.end();
      }
      if (match) return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

TEST(QualityMonitorTest, DriftCrossesTheThresholdAndResolves) {
  auto sink = std::make_shared<RecordingSink>();
  QualityMonitor monitor(Fast(), sink, nullptr);
  const VersionKey v{"m", 3};
  auto profile = Reference();
  engine::Tensor in = Normal(500, 2, 0, 5);
  monitor.ObserveInputs(v, profile, {{&kX, &in}});
  auto families = monitor.Collect();
  EXPECT_LT(Value(families, "berth_drift_psi", {{"tensor", "x"}}), 0.1);
  EXPECT_EQ(Value(families, "berth_drift_window_rows", {{"version", "3"}}), 500);
  EXPECT_TRUE(sink->events.empty());

  engine::Tensor shifted = Normal(500, 2, 2, 6);
  monitor.ObserveInputs(v, profile, {{&kX, &shifted}});
  EXPECT_GT(Value(monitor.Collect(), "berth_drift_psi", {{"tensor", "x"}}), 0.2);
  ASSERT_EQ(sink->events.size(), 1u);
  EXPECT_EQ(sink->events[0].type, monitoring::kDriftDetected);
  EXPECT_EQ(sink->events[0].model, "m");
  EXPECT_EQ(sink->events[0].version, 3);
  // Still above: no second event.
  monitor.ObserveInputs(v, profile, {{&kX, &shifted}});
  EXPECT_EQ(sink->events.size(), 1u);
  engine::Tensor back = Normal(500, 2, 0, 7);
  monitor.ObserveInputs(v, profile, {{&kX, &back}});
  ASSERT_EQ(sink->events.size(), 2u);
  EXPECT_EQ(sink->events[1].type, monitoring::kDriftResolved);
}

TEST(QualityMonitorTest, NoPsiBeforeTheWindowHoldsEnoughRows) {
  QualityMonitor monitor(Fast(), nullptr, nullptr);
  engine::Tensor in = Normal(50, 2, 4);
  monitor.ObserveInputs({"m", 1}, Reference(), {{&kX, &in}});
  EXPECT_EQ(Value(monitor.Collect(), "berth_drift_psi", {}), -1);
}

TEST(QualityMonitorTest, BuildsAReferenceFromTheFirstRows) {
  QualityOptions o = Fast();
  o.reference_rows = 400;
  QualityMonitor monitor(o, nullptr, nullptr);
  const VersionKey v{"m", 1};
  engine::Tensor first = Normal(400, 2, 0, 1);
  monitor.ObserveInputs(v, nullptr, {{&kX, &first}});
  EXPECT_TRUE(monitor.DriftOf(v).empty() || monitor.DriftOf(v)[0].rows == 0);
  engine::Tensor same = Normal(300, 2, 0, 2);
  monitor.ObserveInputs(v, nullptr, {{&kX, &same}});
  ASSERT_EQ(monitor.DriftOf(v).size(), 1u);
  EXPECT_LT(monitor.DriftOf(v)[0].psi, 0.1);
  engine::Tensor shifted = Normal(500, 2, 3, 3);
  monitor.ObserveInputs(v, nullptr, {{&kX, &shifted}});
  EXPECT_GT(monitor.DriftOf(v)[0].psi, 1.0);
}

TEST(QualityMonitorTest, FeedbackJoinsAndGivesAccuracy) {
  QualityMonitor monitor(Fast(), nullptr, nullptr);
  const VersionKey v{"m", 2};
  for (int i = 0; i < 10; ++i) {
    engine::Tensor scores = Scores(1, 3, 1);  // row 0: class 0
    monitor.ObserveOutputs(v, nullptr, false, "id" + std::to_string(i), "y", {{&kY, &scores}});
  }
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<FeedbackResult> r =
        monitor.Feedback("m", {"id" + std::to_string(i), i < 8 ? 0.0 : 2.0, true});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->version, 2);
    EXPECT_EQ(r->correct, i < 8);
  }
  auto families = monitor.Collect();
  EXPECT_NEAR(Value(families, "berth_live_accuracy", {{"version", "2"}}), 0.8, 1e-9);
  EXPECT_EQ(Value(families, "berth_live_labelled", {{"version", "2"}}), 10);
  EXPECT_EQ(Value(families, "berth_feedback_total", {{"result", "joined"}}), 10);

  EXPECT_EQ(monitor.Feedback("m", {"id0", 0, true}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(monitor.Feedback("m", {"never", 0, true}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Value(monitor.Collect(), "berth_feedback_total", {{"result", "unknown_id"}}), 2);

  engine::Tensor scores = Scores(1, 3, 1);
  monitor.ObserveOutputs(v, nullptr, false, "frac", "y", {{&kY, &scores}});
  absl::StatusOr<FeedbackResult> frac = monitor.Feedback("m", {"frac", 1.5, false});
  EXPECT_EQ(frac.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(monitor.Feedback("m", {"frac", 1, true}).ok()) << "kept for a valid label";
}

TEST(QualityMonitorTest, RegressionGivesMeanAbsoluteError) {
  QualityMonitor monitor(Fast(), nullptr, nullptr);
  engine::Tensor value(engine::DataType::kFloat, {1, 1});
  value.data<float>()[0] = 2.0f;
  monitor.ObserveOutputs({"r", 1}, nullptr, false, "a", "y", {{&kY, &value}});
  monitor.ObserveOutputs({"r", 1}, nullptr, false, "b", "y", {{&kY, &value}});
  EXPECT_EQ(monitor.Feedback("r", {"a", 3.0, false})->absolute_error, 1.0);
  EXPECT_EQ(monitor.Feedback("r", {"b", -1.0, true})->absolute_error, 3.0);
  EXPECT_EQ(Value(monitor.Collect(), "berth_live_mean_absolute_error", {{"model", "r"}}), 2.0);
}

TEST(QualityMonitorTest, MultiRowRequestsAreNotRecorded) {
  QualityMonitor monitor(Fast(), nullptr, nullptr);
  engine::Tensor scores = Scores(2, 3, 2);
  monitor.ObserveOutputs({"m", 1}, nullptr, false, "two", "y", {{&kY, &scores}});
  EXPECT_EQ(monitor.Feedback("m", {"two", 0, true}).status().code(), absl::StatusCode::kNotFound);
}

TEST(QualityMonitorTest, UnloadedVersionsLoseTheirSeries) {
  std::set<int64_t> loaded = {1, 2};
  QualityMonitor monitor(Fast(), nullptr,
                         [&](const VersionKey& v) { return loaded.count(v.version) > 0; });
  engine::Tensor in = Normal(200, 2, 0);
  monitor.ObserveInputs({"m", 1}, Reference(), {{&kX, &in}});
  monitor.ObserveInputs({"m", 2}, Reference(), {{&kX, &in}});
  EXPECT_EQ(Value(monitor.Collect(), "berth_drift_window_rows", {{"version", "1"}}), 200);
  loaded.erase(1);
  EXPECT_EQ(Value(monitor.Collect(), "berth_drift_window_rows", {{"version", "1"}}), -1);
  EXPECT_EQ(Value(monitor.Collect(), "berth_drift_window_rows", {{"version", "2"}}), 200);
}

}  // namespace
}  // namespace berth::quality
