#include "serving/repository.h"

#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"

namespace berth::serving {
namespace {
namespace fs = std::filesystem;

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("berth_repo_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const fs::path& relative, const std::string& text = "onnx bytes") {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }

  const RepositoryModel* Find(const std::vector<RepositoryModel>& models,
                              const std::string& name) {
    for (const RepositoryModel& m : models) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }

  fs::path root_;
};

TEST_F(RepositoryTest, ReadsModelsVersionsAndConfigs) {
  Write("resnet/1/model.onnx");
  Write("resnet/3/model.onnx");
  Write("resnet/config.yaml", "version_policy: {all: true}\nmax_batch_size: 4\n");
  Write("mlp/2/model.onnx");
  Write("mlp/10/model.onnx");
  Write("README.md", "not a model");
  Write(".git/HEAD", "ref");
  absl::StatusOr<std::vector<RepositoryModel>> models = ScanRepository(root_);
  ASSERT_TRUE(models.ok()) << models.status();
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].name, "mlp");  // sorted by name
  const RepositoryModel* resnet = Find(*models, "resnet");
  ASSERT_NE(resnet, nullptr);
  EXPECT_TRUE(resnet->status.ok()) << resnet->status;
  EXPECT_TRUE(resnet->has_config);
  EXPECT_EQ(resnet->config.max_batch_size, 4);
  EXPECT_EQ(resnet->selected, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(resnet->versions.at(3), root_ / "resnet" / "3" / "model.onnx");
  const RepositoryModel* mlp = Find(*models, "mlp");
  EXPECT_FALSE(mlp->has_config);
  EXPECT_EQ(mlp->selected, (std::vector<int64_t>{10}));  // latest 1, numerically
}

TEST_F(RepositoryTest, ReportsBrokenModelsWithoutFailingTheOthers) {
  Write("good/1/model.onnx");
  Write("bad config/1/model.onnx");
  Write("typo/1/model.onnx");
  Write("typo/config.yaml", "max_batch: 1\n");
  Write("empty/1/weights.bin");
  Write("odd/01/model.onnx");
  Write("odd/v2/model.onnx");
  Write("odd/2/model.onnx");
  Write("picky/1/model.onnx");
  Write("picky/config.yaml", "version_policy: {specific: [7]}\n");
  absl::StatusOr<std::vector<RepositoryModel>> models = ScanRepository(root_);
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_TRUE(Find(*models, "good")->status.ok());
  EXPECT_NE(Find(*models, "bad config")->status.message().find("letters, digits"),
            std::string::npos);
  EXPECT_NE(Find(*models, "typo")->status.message().find("max_batch: unknown key"),
            std::string::npos);
  EXPECT_NE(Find(*models, "empty")->status.message().find("no version folder"),
            std::string::npos);
  const RepositoryModel* odd = Find(*models, "odd");
  EXPECT_TRUE(odd->status.ok()) << odd->status;
  EXPECT_EQ(odd->selected, (std::vector<int64_t>{2}));
  EXPECT_EQ(odd->skipped, (std::vector<std::string>{"01: not a positive integer",
                                                    "v2: not a positive integer"}));
  EXPECT_NE(Find(*models, "picky")->status.message().find("selects none of the versions 1"),
            std::string::npos);
}

TEST_F(RepositoryTest, NeverFollowsAPathOutOfTheRepository) {
  const fs::path outside = root_.parent_path() / ("berth_outside_" + std::to_string(::getpid()));
  fs::create_directories(outside / "1");
  std::ofstream(outside / "1" / "model.onnx") << "secret";
  Write("linked/2/model.onnx");
  fs::create_directory_symlink(outside / "1", root_ / "linked" / "1");
  fs::create_directory_symlink(outside, root_ / "escape");
  absl::StatusOr<std::vector<RepositoryModel>> models = ScanRepository(root_);
  ASSERT_TRUE(models.ok()) << models.status();
  const RepositoryModel* linked = Find(*models, "linked");
  EXPECT_EQ(linked->versions.count(1), 0u);
  EXPECT_EQ(linked->skipped,
            (std::vector<std::string>{"1: model.onnx resolves outside the model repository"}));
  EXPECT_EQ(Find(*models, "escape")->status.code(), absl::StatusCode::kNotFound);
  for (const char* name : {"../x", "a/../b", "/etc/passwd", ".."}) {
    RepositoryModel m = ScanModel(root_, name);
    EXPECT_EQ(m.status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(m.versions.empty());
  }
  fs::remove_all(outside);
}

TEST_F(RepositoryTest, MissingOrNotAFolder) {
  EXPECT_EQ(ScanRepository(root_ / "nope").status().code(), absl::StatusCode::kNotFound);
  Write("file");
  absl::Status st = ScanRepository(root_ / "file").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("is not a folder"), std::string::npos);
  EXPECT_EQ(ScanModel(root_, "absent").status.code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::serving
