#include "serving/inference_service.h"

#include <unistd.h>

#include <fstream>
#include <future>
#include <thread>

#include "engine/format/test_models.h"
#include "gtest/gtest.h"
#include "quality/profile_json.h"
#include "serving/test_repository.h"

namespace berth::serving {
namespace {
namespace fs = std::filesystem;
using engine::DataType;
using engine::Tensor;

using testing::ModelBytes;

protocol::InferRequest Request(int64_t rows, DataType type = DataType::kFloat,
                               const std::string& name = "x") {
  protocol::InferRequest r;
  r.id = "req-1";
  r.inputs.push_back({name, Tensor(type, {rows, 4})});
  return r;
}

class InferenceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("berth_service_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    service_.reset();
    fs::remove_all(root_);
  }

  void WriteVersion(const std::string& model, int64_t version, const std::string& bytes) {
    testing::WriteVersion(root_, model, version, bytes);
  }
  void WriteConfig(const std::string& model, const std::string& yaml) {
    fs::create_directories(root_ / model);
    std::ofstream(root_ / model / "config.yaml") << yaml;
  }
  void Start(ModelControlMode mode, std::vector<std::string> startup = {},
             std::shared_ptr<const rollout::Routes> routes = nullptr,
             std::shared_ptr<rollout::RolloutMonitor> monitor = nullptr) {
    ServiceOptions o;
    o.routes = std::move(routes);
    o.monitor = std::move(monitor);
    o.repository = root_;
    o.control_mode = mode;
    o.startup_models = std::move(startup);
    o.default_intra_op_threads = 1;
    o.poll_interval = std::chrono::milliseconds(20);
    absl::StatusOr<std::unique_ptr<InferenceService>> s = InferenceService::Create(o);
    ASSERT_TRUE(s.ok()) << s.status();
    service_ = *std::move(s);
  }
  InferResult Infer(const std::string& model, int64_t version, protocol::InferRequest r) {
    return Infer(model, VersionRef{version}, std::move(r));
  }
  InferResult Infer(const std::string& model, const VersionRef& ref, protocol::InferRequest r) {
    std::promise<InferResult> result;
    service_->Infer(model, ref, std::move(r), nullptr,
                    [&](InferResult got) { result.set_value(std::move(got)); });
    return result.get_future().get();
  }

  fs::path root_;
  std::unique_ptr<InferenceService> service_;
};

TEST_F(InferenceServiceTest, InfersAndAnswersWithTheVersionThatRan) {
  WriteVersion("m", 1, ModelBytes(5.f));
  Start(ModelControlMode::kNone);
  EXPECT_TRUE(service_->Ready());
  InferResult r = Infer("m", 0, Request(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model_name, "m");
  EXPECT_EQ(r->model_version, "1");
  EXPECT_EQ(r->id, "req-1");
  ASSERT_EQ(r->outputs.size(), 1u);
  EXPECT_EQ(r->outputs[0].tensor.shape(), engine::Shape({2, 4}));
  EXPECT_EQ(r->outputs[0].tensor.data<float>()[0], 5.f);
  absl::StatusOr<std::vector<protocol::VersionStatistics>> stats =
      service_->Statistics("m", VersionRef{});
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].success_count, 1);
  EXPECT_EQ((*stats)[0].inference_count, 2);
  EXPECT_EQ((*stats)[0].execution_count, 1);
}

// The version a reply came from (ModelBytes(v) answers v in its first column for zeros).
float Served(const InferResult& r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->outputs[0].tensor.data<float>()[0] : -1.f;
}

protocol::InferRequest RequestWithId(const std::string& id) {
  protocol::InferRequest r = Request(1);
  r.id = id;
  return r;
}

TEST_F(InferenceServiceTest, AliasesResolveThroughTheRoutes) {
  WriteVersion("m", 1, ModelBytes(1.f));
  WriteVersion("m", 2, ModelBytes(2.f));
  WriteConfig("m", "version_policy:\n  specific: [1, 2]\n");
  auto routes = std::make_shared<rollout::Routes>();
  routes->Publish("m", {{"production", {1, std::nullopt}}, {"staging", {2, std::nullopt}}});
  Start(ModelControlMode::kNone, {}, routes, std::make_shared<rollout::RolloutMonitor>());
  EXPECT_EQ(Served(Infer("m", VersionRef{}, Request(1))), 1.f);  // the default alias
  EXPECT_EQ(Served(Infer("m", VersionRef{0, "staging"}, Request(1))), 2.f);
  EXPECT_EQ(Served(Infer("m", VersionRef{2}, Request(1))), 2.f);
  InferResult unknown = Infer("m", VersionRef{0, "canary"}, Request(1));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("no alias 'canary'"), std::string::npos);
  EXPECT_EQ(service_->ModelMetadata("m", VersionRef{0, "staging"})->name, "m");
  EXPECT_EQ(service_->ModelReady("m", VersionRef{0, "nope"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(InferenceServiceTest, WithoutTheRegistryAnAliasIsNotFoundSayingWhy) {
  WriteVersion("m", 1, ModelBytes(1.f));
  Start(ModelControlMode::kNone);
  InferResult r = Infer("m", VersionRef{0, "production"}, Request(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("berth serve --registry"), std::string::npos);
}

TEST_F(InferenceServiceTest, ACanarySplitsByRequestIdAndFeedsTheMonitor) {
  WriteVersion("m", 1, ModelBytes(1.f));
  WriteVersion("m", 2, ModelBytes(2.f));
  WriteConfig("m", "version_policy:\n  specific: [1, 2]\n");
  auto routes = std::make_shared<rollout::Routes>();
  auto monitor = std::make_shared<rollout::RolloutMonitor>();
  rollout::AliasRoute canary{1, rollout::RolloutRoute{7, 2, 50, false}};
  routes->Publish("m", {{"production", canary}});
  Start(ModelControlMode::kNone, {}, routes, monitor);
  std::map<float, int> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = "id-" + std::to_string(i);
    const float first = Served(Infer("m", VersionRef{}, RequestWithId(id)));
    ++seen[first];
    EXPECT_EQ(Served(Infer("m", VersionRef{}, RequestWithId(id))), first) << id;
  }
  EXPECT_GT(seen[1.f], 0);
  EXPECT_GT(seen[2.f], 0);
  const rollout::RolloutObservation o = monitor->Observe(7);
  EXPECT_EQ(o.baseline.requests, 2 * seen[1.f]);
  EXPECT_EQ(o.candidate.requests, 2 * seen[2.f]);
  EXPECT_EQ(o.candidate.errors, 0);
}

TEST_F(InferenceServiceTest, AShadowNeverAnswersAndItsDisagreementsCount) {
  WriteVersion("m", 1, ModelBytes(1.f));
  WriteVersion("m", 2, ModelBytes(2.f));
  WriteVersion("m", 3, ModelBytes(1.f));
  WriteConfig("m", "version_policy:\n  specific: [1, 2, 3]\n");
  auto routes = std::make_shared<rollout::Routes>();
  auto monitor = std::make_shared<rollout::RolloutMonitor>();
  routes->Publish("m", {{"production", {1, rollout::RolloutRoute{8, 2, 100, true}}},
                        {"staging", {1, rollout::RolloutRoute{9, 3, 100, true}}}});
  Start(ModelControlMode::kNone, {}, routes, monitor);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Served(Infer("m", VersionRef{}, Request(1))), 1.f);
    EXPECT_EQ(Served(Infer("m", VersionRef{0, "staging"}, Request(1))), 1.f);
  }
  // The copies finish on their own: wait until all forty are recorded.
  while (monitor->Observe(8).candidate.requests + monitor->Observe(9).candidate.requests < 40) {
    std::this_thread::yield();
  }
  EXPECT_EQ(monitor->Observe(8).candidate.errors, 20);  // answers 2 where the baseline says 1
  EXPECT_EQ(monitor->Observe(9).candidate.errors, 0);   // the same answers
  EXPECT_EQ(monitor->Observe(8).baseline.requests, 20);
}

TEST_F(InferenceServiceTest, FeedbackJoinsTheVersionThatAnswered) {
  WriteVersion("m", 1, ModelBytes(1.f));
  WriteVersion("m", 2, ModelBytes(2.f));
  WriteConfig("m", "version_policy:\n  specific: [1, 2]\n");
  auto routes = std::make_shared<rollout::Routes>();
  auto monitor = std::make_shared<rollout::RolloutMonitor>();
  // Every request goes to the canary, version 2, rather than the alias's version 1.
  routes->Publish("m", {{"production", {1, rollout::RolloutRoute{8, 2, 100, false}}}});
  Start(ModelControlMode::kNone, {}, routes, monitor);
  for (int i = 0; i < 10; ++i) {
    protocol::InferRequest r = Request(1);
    r.id = "s-" + std::to_string(i);
    EXPECT_EQ(Served(Infer("m", VersionRef{}, std::move(r))), 2.f);
  }
  for (int i = 0; i < 10; ++i) {
    const std::string body = "{\"id\": \"s-" + std::to_string(i) + "\", \"label\": 0}";
    absl::StatusOr<protocol::FeedbackReply> joined = service_->Feedback("m", body);
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(joined->version, 2);
    EXPECT_TRUE(joined->classification);
  }
  EXPECT_EQ(service_->Feedback("m", R"({"id": "s-0", "label": 0})").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->Feedback("m", R"({"id": "s-0"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Feedback("nope", R"({"id": "s-0", "label": 0})").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(InferenceServiceTest, AVersionReadsItsProfileAndABadOneIsLeftOut) {
  for (int64_t v : {1, 2, 3, 4}) WriteVersion("m", v, ModelBytes(1.f));
  WriteConfig("m", "version_policy:\n  specific: [1, 2, 3, 4]\n");
  auto profile_of = [](const std::string& input) {
    quality::ProfileBuilder builder;
    EXPECT_TRUE(
        builder.Add(quality::TensorRole::kInput, input, Tensor(DataType::kFloat, {8, 4})).ok());
    return quality::ProfileToJson(*builder.Finish(absl::UnixEpoch(), "test"));
  };
  std::ofstream(root_ / "m" / "1" / "profile.json") << profile_of("x");
  std::ofstream(root_ / "m" / "2" / "profile.json") << profile_of("not_an_input");
  std::ofstream(root_ / "m" / "3" / "profile.json") << "{not json";
  Start(ModelControlMode::kNone);
  EXPECT_NE((*service_->manager().Get("m", 1))->profile, nullptr);
  EXPECT_EQ((*service_->manager().Get("m", 2))->profile, nullptr);
  EXPECT_EQ((*service_->manager().Get("m", 3))->profile, nullptr);
  EXPECT_EQ((*service_->manager().Get("m", 4))->profile, nullptr);
  for (int64_t v : {1, 2, 3, 4}) EXPECT_EQ(Served(Infer("m", v, Request(1))), 1.f) << v;
}

TEST_F(InferenceServiceTest, BadRequestsNameWhatWasWrong) {
  WriteVersion("m", 1, ModelBytes(0.f));
  WriteConfig("b", "max_batch_size: 4\n");
  WriteVersion("b", 1, ModelBytes(0.f));
  Start(ModelControlMode::kNone);
  struct Case {
    std::string model;
    protocol::InferRequest request;
    absl::StatusCode code;
    std::string words;
  };
  protocol::InferRequest duplicate = Request(1);
  duplicate.inputs.push_back({"x", Tensor(DataType::kFloat, {1, 4})});
  protocol::InferRequest wrong_output = Request(1);
  wrong_output.outputs.push_back({"nope", false});
  protocol::InferRequest no_inputs;
  protocol::InferRequest wrong_shape;
  wrong_shape.inputs.push_back({"x", Tensor(DataType::kFloat, {1, 5})});
  std::vector<Case> cases;
  cases.push_back({"m", Request(1, DataType::kFloat, "y"), absl::StatusCode::kInvalidArgument,
                   "has no input 'y'"});
  cases.push_back(
      {"m", std::move(duplicate), absl::StatusCode::kInvalidArgument, "'x' is given twice"});
  cases.push_back({"m", std::move(no_inputs), absl::StatusCode::kInvalidArgument,
                   "input 'x' of model 'm' is missing"});
  cases.push_back({"m", Request(1, DataType::kInt64), absl::StatusCode::kInvalidArgument, "'x'"});
  cases.push_back({"m", std::move(wrong_shape), absl::StatusCode::kInvalidArgument, "'x'"});
  cases.push_back(
      {"m", std::move(wrong_output), absl::StatusCode::kInvalidArgument, "has no output 'nope'"});
  cases.push_back({"b", Request(5), absl::StatusCode::kInvalidArgument, "at most 4"});
  cases.push_back({"zz", Request(1), absl::StatusCode::kNotFound, "'zz'"});
  cases.push_back({"../m", Request(1), absl::StatusCode::kInvalidArgument, "model name"});
  for (Case& c : cases) {
    InferResult r = Infer(c.model, 0, std::move(c.request));
    EXPECT_EQ(r.status().code(), c.code) << c.words << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status();
  }
  EXPECT_EQ(Infer("m", 2, Request(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Infer("b", 0, Request(4)).ok());
}

TEST_F(InferenceServiceTest, AModelThatCannotBatchFailsToLoadAndTheIndexSaysWhy) {
  WriteConfig("fixed", "max_batch_size: 4\n");
  onnx::ModelProto m = engine::testing::AddReluModel();
  m.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->set_dim_value(1);
  WriteVersion("fixed", 1, engine::testing::Serialize(m));
  WriteVersion("good", 1, ModelBytes(0.f));
  fs::create_directories(root_ / "empty");
  Start(ModelControlMode::kNone);
  absl::StatusOr<std::vector<protocol::IndexEntry>> index = service_->RepositoryIndex(false);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->size(), 3u);
  EXPECT_EQ((*index)[0].name, "empty");
  EXPECT_EQ((*index)[0].state, "UNAVAILABLE");
  EXPECT_EQ((*index)[1].name, "fixed");
  EXPECT_EQ((*index)[1].state, "FAILED");
  EXPECT_NE((*index)[1].reason.find("no free first dimension"), std::string::npos);
  EXPECT_EQ((*index)[2].state, "READY");
  EXPECT_EQ(service_->RepositoryIndex(true)->size(), 1u);
}

TEST_F(InferenceServiceTest, ExplicitModeLoadsAndUnloadsOtherModesRefuse) {
  WriteVersion("m", 1, ModelBytes(1.f));
  WriteVersion("n", 1, ModelBytes(2.f));
  Start(ModelControlMode::kExplicit, {"m"});
  EXPECT_TRUE(Infer("m", 0, Request(1)).ok());
  EXPECT_EQ(Infer("n", 0, Request(1)).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(service_->LoadModel("n").ok());
  EXPECT_TRUE(Infer("n", 0, Request(1)).ok());
  ASSERT_TRUE(service_->UnloadModel("n").ok());
  EXPECT_EQ(Infer("n", 0, Request(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->LoadModel("../etc").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->LoadModel("absent").code(), absl::StatusCode::kNotFound);

  service_.reset();
  Start(ModelControlMode::kNone);
  EXPECT_EQ(service_->LoadModel("n").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->UnloadModel("m").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(InferenceServiceTest, PollModePicksUpANewVersion) {
  WriteVersion("m", 1, ModelBytes(1.f));
  Start(ModelControlMode::kPoll);
  WriteVersion("m", 2, ModelBytes(2.f));
  for (int i = 0; i < 500 && Infer("m", 0, Request(1))->model_version != "2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  InferResult r = Infer("m", 0, Request(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model_version, "2");
  EXPECT_EQ(r->outputs[0].tensor.data<float>()[0], 2.f);
}

// Explicit-mode swaps under load: every request succeeds, on a version that existed.
TEST_F(InferenceServiceTest, SwapsUnderLoadFailNoRequest) {
  WriteVersion("m", 1, ModelBytes(1.f));
  Start(ModelControlMode::kExplicit, {"m"});
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, requests{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        InferResult r = Infer("m", 0, Request(1));
        if (!r.ok() || r->outputs[0].tensor.data<float>()[0] !=
                           static_cast<float>(std::stoi(r->model_version))) {
          ++failures;
        }
        ++requests;
      }
    });
  }
  for (int version = 2; version <= 11; ++version) {
    WriteVersion("m", version, ModelBytes(static_cast<float>(version)));
    EXPECT_TRUE(service_->LoadModel("m").ok());
  }
  while (requests < 200) std::this_thread::yield();
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures, 0);
}

TEST_F(InferenceServiceTest, ShutdownRefusesNewRequestsAndWaitsForAcceptedOnes) {
  WriteVersion("m", 1, ModelBytes(1.f));
  Start(ModelControlMode::kNone);
  std::promise<InferResult> accepted;
  service_->Infer("m", VersionRef{}, Request(1), nullptr,
                  [&](InferResult r) { accepted.set_value(std::move(r)); });
  service_->BeginShutdown();
  EXPECT_FALSE(service_->Ready());
  EXPECT_TRUE(service_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::seconds(30)));
  EXPECT_TRUE(accepted.get_future().get().ok());
  EXPECT_EQ(service_->InFlight(), 0);
  EXPECT_EQ(Infer("m", 0, Request(1)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->LoadModel("m").code(), absl::StatusCode::kUnavailable);
}

TEST_F(InferenceServiceTest, ACancelledRequestIsAnsweredWithoutRunning) {
  WriteVersion("m", 1, ModelBytes(1.f));
  Start(ModelControlMode::kNone);
  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  std::promise<InferResult> result;
  service_->Infer("m", VersionRef{}, Request(1), cancelled,
                  [&](InferResult r) { result.set_value(std::move(r)); });
  EXPECT_EQ(result.get_future().get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ((*service_->Statistics("m", VersionRef{1}))[0].execution_count, 0);
}

}  // namespace
}  // namespace berth::serving
