#include "serving/version_metrics.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "serving/inference_service.h"
#include "serving/model_manager.h"
#include "serving/test_repository.h"

namespace berth::serving {
namespace {
namespace fs = std::filesystem;

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(VersionMetricsTest, ClassifiesOutcomes) {
  EXPECT_EQ(ClassifyOutcome(absl::OkStatus(), true), Outcome::kSuccess);
  EXPECT_EQ(ClassifyOutcome(absl::CancelledError("gone"), false), Outcome::kCancelled);
  EXPECT_EQ(ClassifyOutcome(absl::DeadlineExceededError("late"), false), Outcome::kTimedOut);
  EXPECT_EQ(ClassifyOutcome(absl::InvalidArgumentError("shape"), false), Outcome::kRejected);
  EXPECT_EQ(ClassifyOutcome(absl::UnavailableError("queue full"), false), Outcome::kRejected);
  // An error from the run itself, whatever its code.
  EXPECT_EQ(ClassifyOutcome(absl::InvalidArgumentError("shape"), true), Outcome::kFailed);
  EXPECT_EQ(ClassifyOutcome(absl::InternalError("oneDNN"), true), Outcome::kFailed);
  EXPECT_EQ(ClassifyAnswer(absl::UnavailableError("stopping")), Outcome::kRejected);
  EXPECT_EQ(ClassifyAnswer(absl::InternalError("oneDNN")), Outcome::kFailed);
  EXPECT_EQ(ClassifyAnswer(absl::DeadlineExceededError("late")), Outcome::kTimedOut);
  EXPECT_STREQ(OutcomeName(Outcome::kTimedOut), "timed_out");
}

TEST(VersionMetricsTest, BatchSizeBucketsEndAtTheMaxBatchSize) {
  EXPECT_EQ(BatchSizeBuckets(8), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(BatchSizeBuckets(6), (std::vector<double>{1, 2, 4, 6}));
  EXPECT_EQ(BatchSizeBuckets(1), (std::vector<double>{1}));
  EXPECT_EQ(BatchSizeBuckets(0).back(), 64);
  EXPECT_EQ(LatencyBuckets().front(), 0.00005);
  EXPECT_EQ(LatencyBuckets().back(), 10);
}

TEST(VersionMetricsTest, SeriesAreCountedAndRemovedWithTheirLastHolder) {
  auto metrics = std::make_shared<monitoring::Metrics>();
  auto factory = std::make_shared<VersionMetricsFactory>(metrics);
  std::shared_ptr<VersionMetrics> m = factory->ForVersion("resnet", 3, 8);
  EXPECT_EQ(factory->ForVersion("resnet", 3, 8), m);  // one set of series per version
  m->Started(100);
  JobTiming ran{true, true, 2'000, 3'000'000, 5};
  m->Finished(Outcome::kSuccess, 4'000'000, ran);
  m->CountResponseBytes(40);
  m->Started(0);
  m->Finished(Outcome::kRejected, 1'000, JobTiming());
  const std::string text = metrics->Render();
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"resnet\",outcome=\"success\",version=\"3\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"resnet\",outcome=\"rejected\",version=\"3\"} 1"));
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"resnet\",outcome=\"failed\",version=\"3\"} 0"));
  EXPECT_TRUE(Has(text, "berth_request_duration_seconds_count{model=\"resnet\",version=\"3\"} 2"));
  // Only the request that ran is in the queue and compute histograms.
  EXPECT_TRUE(Has(text, "berth_queue_duration_seconds_count{model=\"resnet\",version=\"3\"} 1"));
  EXPECT_TRUE(Has(text, "berth_compute_duration_seconds_count{model=\"resnet\",version=\"3\"} 1"));
  EXPECT_TRUE(Has(text, "berth_batch_size_bucket{model=\"resnet\",version=\"3\",le=\"4\"} 0"));
  EXPECT_TRUE(Has(text, "berth_batch_size_bucket{model=\"resnet\",version=\"3\",le=\"8\"} 1"));
  EXPECT_TRUE(Has(text, "berth_requests_in_flight{model=\"resnet\",version=\"3\"} 0"));
  EXPECT_TRUE(Has(text, "berth_request_bytes_total{model=\"resnet\",version=\"3\"} 100"));
  EXPECT_TRUE(Has(text, "berth_response_bytes_total{model=\"resnet\",version=\"3\"} 40"));

  m.reset();
  const std::string after = metrics->Render();
  EXPECT_FALSE(Has(after, "version=\"3\"")) << after;
}

TEST(VersionMetricsTest, AVersionMadeAgainAfterItsSeriesWentStartsAtZero) {
  auto metrics = std::make_shared<monitoring::Metrics>();
  auto factory = std::make_shared<VersionMetricsFactory>(metrics);
  std::shared_ptr<VersionMetrics> first = factory->ForVersion("m", 1, 0);
  first->CountUndecodable(7);
  std::weak_ptr<VersionMetrics> watch = first;
  first.reset();  // gone: its series with it
  std::shared_ptr<VersionMetrics> second = factory->ForVersion("m", 1, 0);
  EXPECT_TRUE(watch.expired());
  EXPECT_TRUE(Has(metrics->Render(),
                  "berth_requests_total{model=\"m\",outcome=\"rejected\",version=\"1\"} 0"));
}

TEST(VersionMetricsTest, LoadsAreRecordedPerModel) {
  auto metrics = std::make_shared<monitoring::Metrics>();
  auto factory = std::make_shared<VersionMetricsFactory>(metrics);
  factory->RecordLoad("a", 0.2, true);
  factory->RecordLoad("a", 0, false);
  factory->RecordLoad("b", 0.3, true);
  const std::string text = metrics->Render();
  EXPECT_TRUE(Has(text, "berth_model_load_duration_seconds_count{model=\"a\"} 1")) << text;
  EXPECT_TRUE(Has(text, "berth_model_load_failures_total{model=\"a\"} 1"));
  EXPECT_TRUE(Has(text, "berth_model_load_failures_total{model=\"b\"} 0"));
}

class ServingMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("berth_metrics_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    testing::WriteVersion(root_, "m", 1, testing::ModelBytes(1.f));
  }
  void TearDown() override {
    service_.reset();
    fs::remove_all(root_);
  }
  void Start(ModelControlMode mode) {
    ServiceOptions o;
    o.repository = root_;
    o.control_mode = mode;
    o.poll_interval = std::chrono::milliseconds(20);
    o.default_intra_op_threads = 1;
    o.metrics = metrics_;
    absl::StatusOr<std::unique_ptr<InferenceService>> s = InferenceService::Create(o);
    ASSERT_TRUE(s.ok()) << s.status();
    service_ = *std::move(s);
  }
  InferResult Infer(const std::string& model, int64_t version, int64_t width) {
    protocol::InferRequest r;
    r.inputs.push_back({"x", engine::Tensor(engine::DataType::kFloat, {1, width})});
    r.wire_bytes = 64;
    std::promise<InferResult> result;
    service_->Infer(model, VersionRef{version}, std::move(r), nullptr,
                    [&](InferResult got) { result.set_value(std::move(got)); });
    return result.get_future().get();
  }
  std::string Text() { return *service_->MetricsText(); }

  fs::path root_;
  std::shared_ptr<monitoring::Metrics> metrics_ = std::make_shared<monitoring::Metrics>();
  std::unique_ptr<InferenceService> service_;
};

TEST_F(ServingMetricsTest, OutcomesUnroutedRequestsAndStatesReachTheText) {
  Start(ModelControlMode::kNone);
  InferResult ok = Infer("m", 1, 4);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->timing.batch_rows, 1);
  EXPECT_GT(ok->timing.compute_ns, 0);
  EXPECT_NE(ok->bytes_counter, nullptr);
  protocol::CountResponseBytes(*ok, 10);
  EXPECT_EQ(Infer("m", 1, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Infer("nope", 0, 4).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Infer("m", 9, 4).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Infer("bad/name", 0, 4).status().code(), absl::StatusCode::kInvalidArgument);
  service_->CountUndecodable("m", VersionRef{}, 5);
  service_->CountUndecodable("other", VersionRef{}, 5);
  const std::string text = Text();
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"m\",outcome=\"success\",version=\"1\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"m\",outcome=\"rejected\",version=\"1\"} 2"));
  EXPECT_TRUE(Has(text, "berth_request_bytes_total{model=\"m\",version=\"1\"} 133"));
  EXPECT_TRUE(Has(text, "berth_response_bytes_total{model=\"m\",version=\"1\"} 10"));
  EXPECT_TRUE(Has(text, "berth_unrouted_requests_total{reason=\"unknown_model\"} 2"));
  EXPECT_TRUE(Has(text, "berth_unrouted_requests_total{reason=\"unknown_version\"} 1"));
  EXPECT_TRUE(Has(text, "berth_unrouted_requests_total{reason=\"invalid_name\"} 1"));
  EXPECT_FALSE(Has(text, "nope")) << "an unknown model name became a label value";
  EXPECT_FALSE(Has(text, "other"));
  EXPECT_TRUE(Has(text, "berth_queue_depth{model=\"m\",version=\"1\"} 0"));
  EXPECT_TRUE(Has(text, "berth_model_versions{model=\"m\",state=\"READY\"} 1"));
  EXPECT_TRUE(Has(text, "berth_model_versions{model=\"m\",state=\"FAILED\"} 0"));
  EXPECT_TRUE(Has(text, "berth_model_memory_bytes{model=\"m\",version=\"1\"} 16"));
  EXPECT_TRUE(Has(text, "berth_model_load_duration_seconds_count{model=\"m\"} 1"));
}

TEST_F(ServingMetricsTest, ARetiredVersionsSeriesDisappear) {
  Start(ModelControlMode::kPoll);
  ASSERT_TRUE(Infer("m", 1, 4).ok());
  ASSERT_TRUE(Has(Text(), "version=\"1\""));
  testing::WriteVersion(root_, "m", 2, testing::ModelBytes(2.f));
  // The poll loads version 2 and retires 1; the reaper frees 1 once nothing holds it.
  for (int i = 0; i < 500 && Has(Text(), "version=\"1\""); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string text = Text();
  EXPECT_FALSE(Has(text, "version=\"1\"")) << text;
  EXPECT_TRUE(Has(text, "berth_requests_total{model=\"m\",outcome=\"success\",version=\"2\"} 0"));
  EXPECT_TRUE(Has(text, "berth_model_load_duration_seconds_count{model=\"m\"} 2"));
}

}  // namespace
}  // namespace berth::serving
