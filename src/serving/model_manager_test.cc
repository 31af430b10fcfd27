#include "serving/model_manager.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "engine/format/test_models.h"
#include "serving/test_repository.h"
#include "gtest/gtest.h"

namespace berth::serving {
namespace {
namespace fs = std::filesystem;

using testing::ModelBytes;

// The first output element for x = 0: the bias of the version that ran.
float RunVersion(const ServableVersion& v) {
  engine::Tensor x(engine::DataType::kFloat, {1, 4});
  for (int i = 0; i < 4; ++i) x.data<float>()[i] = 0.f;
  std::vector<engine::Tensor> out;
  absl::Status st = v.model->Run({&x}, &out);
  EXPECT_TRUE(st.ok()) << st;
  return st.ok() ? out[0].data<float>()[0] : -1.f;
}

class ModelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("berth_manager_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    manager_ = std::make_unique<ModelManager>(
        MakeRepositorySource(root_),
        [this](const fs::path& file, const engine::ModelOptions& options) {
          ++loads_;
          return EngineLoader()(file, options);
        },
        1);
  }
  void TearDown() override { fs::remove_all(root_); }

  void WriteVersion(const std::string& model, int64_t version, const std::string& bytes) {
    testing::WriteVersion(root_, model, version, bytes);
  }

  float ServedBias(const std::string& model, int64_t version = 0) {
    absl::StatusOr<std::shared_ptr<const ServableVersion>> v = manager_->Get(model, version);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? RunVersion(**v) : -1.f;
  }

  fs::path root_;
  std::atomic<int> loads_{0};
  std::unique_ptr<ModelManager> manager_;
};

TEST_F(ModelManagerTest, LoadsTheLatestAndSwitchesWhenANewVersionArrives) {
  WriteVersion("m", 1, ModelBytes(1.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(ServedBias("m"), 1.f);
  EXPECT_EQ(ServedBias("m", 1), 1.f);
  absl::StatusOr<std::shared_ptr<const ServableVersion>> held = manager_->Get("m", 0);
  ASSERT_TRUE(held.ok());

  WriteVersion("m", 2, ModelBytes(2.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(ServedBias("m"), 2.f);
  // Version 1 left the policy (latest 1) but a request still holds it: it runs, and the
  // index shows it unloading until released.
  EXPECT_EQ(RunVersion(**held), 1.f);
  EXPECT_EQ(manager_->Get("m", 1).status().code(), absl::StatusCode::kNotFound);
  std::vector<VersionStatus> index = manager_->Index();
  ASSERT_EQ(index.size(), 2u);
  EXPECT_EQ(index[0].version, 1);
  EXPECT_EQ(index[0].state, VersionState::kUnloading);
  EXPECT_EQ(index[1].state, VersionState::kReady);
  held->reset();
  EXPECT_EQ(manager_->Index().size(), 1u);

  const int before = loads_;
  ASSERT_TRUE(manager_->Load("m").ok());  // nothing changed: nothing loads
  EXPECT_EQ(loads_, before);
}

TEST_F(ModelManagerTest, AVersionThatFailsLeavesTheOldOneServing) {
  WriteVersion("m", 1, ModelBytes(1.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  WriteVersion("m", 2, "not an onnx model");
  absl::Status st = manager_->Load("m");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("model 'm' version 2"), std::string::npos) << st;
  EXPECT_EQ(ServedBias("m"), 1.f);
  absl::Status failed = manager_->Get("m", 2).status();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("FAILED"), std::string::npos) << failed;
  // An unchanged broken file is not retried; a fixed one loads and takes over.
  const int before = loads_;
  EXPECT_FALSE(manager_->Load("m").ok());
  EXPECT_EQ(loads_, before);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a distinct mtime
  WriteVersion("m", 2, ModelBytes(2.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(ServedBias("m"), 2.f);
}

TEST_F(ModelManagerTest, AReplacedFileReloadsInPlace) {
  WriteVersion("m", 1, ModelBytes(1.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  WriteVersion("m", 1, ModelBytes(5.f) + std::string());  // same version, new content
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(ServedBias("m"), 5.f);
}

TEST_F(ModelManagerTest, UnknownNamesAndUnload) {
  EXPECT_EQ(manager_->Get("nope", 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->Load("nope").code(), absl::StatusCode::kNotFound);
  for (const char* bad : {"../m", "a/../b", "/etc/passwd", ".."}) {
    EXPECT_EQ(manager_->Load(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(loads_, 0);
  WriteVersion("m", 1, ModelBytes(1.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(manager_->Get("m", 7).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(manager_->Unload("m").ok());
  EXPECT_EQ(manager_->Get("m", 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->Unload("m").code(), absl::StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, LoadAllFollowsTheRepository) {
  WriteVersion("a", 1, ModelBytes(1.f));
  WriteVersion("b", 3, ModelBytes(3.f));
  std::ofstream(root_ / "b" / "config.yaml") << "version_policy: {all: true}\n";
  WriteVersion("b", 4, ModelBytes(4.f));
  ASSERT_TRUE(manager_->LoadAll().ok());
  EXPECT_EQ(ServedBias("a"), 1.f);
  EXPECT_EQ(ServedBias("b", 3), 3.f);
  EXPECT_EQ(ServedBias("b"), 4.f);
  fs::remove_all(root_ / "a");
  ASSERT_TRUE(manager_->LoadAll().ok());
  EXPECT_EQ(manager_->Get("a", 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ServedBias("b"), 4.f);
}

// Hot reload: 20 new versions while 4 threads run requests; none fails and each sees the
// served version move forward only.
TEST_F(ModelManagerTest, SwapsUnderLoadFailNoRequest) {
  WriteVersion("m", 1, ModelBytes(1.f));
  ASSERT_TRUE(manager_->Load("m").ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, requests{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      float last = 0.f;
      while (!stop) {
        absl::StatusOr<std::shared_ptr<const ServableVersion>> v = manager_->Get("m", 0);
        if (!v.ok()) {
          ++failures;
          continue;
        }
        const float bias = RunVersion(**v);
        if (bias < last) ++failures;
        last = bias;
        ++requests;
      }
    });
  }
  for (int version = 2; version <= 21; ++version) {
    WriteVersion("m", version, ModelBytes(static_cast<float>(version)));
    EXPECT_TRUE(manager_->Load("m").ok());
  }
  while (requests < 200) std::this_thread::yield();
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(ServedBias("m"), 21.f);
  EXPECT_EQ(manager_->Index().size(), 1u);
}

}  // namespace
}  // namespace berth::serving
