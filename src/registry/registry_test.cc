// The Registry facade on SQLite: push (engine check, artifact, version row), resolve, show,
// verified artifact paths and garbage collection.
#include "registry/registry.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "engine/format/test_models.h"
#include "gtest/gtest.h"
#include "registry/registry_test_util.h"
#include "registry/sha256.h"

namespace berth::registry {
namespace {

namespace fs = std::filesystem;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    absl::StatusOr<std::unique_ptr<Registry>> registry =
        Registry::Open("sqlite:" + dir_ + "/reg/registry.db");
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    model_bytes_ = engine::testing::Serialize(engine::testing::AddReluModel());
    model_path_ = Write("model.onnx", model_bytes_);
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  PushOptions Options(const std::string& name) {
    PushOptions options;
    options.name = name;
    options.actor = "ann";
    return options;
  }

  size_t BlobCount() {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ + "/reg/blobs/sha256")) {
      n += e.is_regular_file();
    }
    return n;
  }

  std::string dir_;
  std::unique_ptr<Registry> registry_;
  std::string model_bytes_;
  std::string model_path_;
};

TEST_F(RegistryTest, DefaultArtifactsDirIsBesideTheDatabase) {
  EXPECT_EQ(DefaultArtifactsDir("sqlite:/x/y/registry.db"), "/x/y/blobs");
  EXPECT_EQ(DefaultArtifactsDir("sqlite:registry.db"), "blobs");
  EXPECT_EQ(DefaultArtifactsDir("postgresql://h/db"), "./berth-registry/blobs");
}

TEST_F(RegistryTest, MustExistModeCreatesNothing) {
  const std::string missing = dir_ + "/nothing-here";
  absl::StatusOr<std::unique_ptr<Registry>> opened =
      Registry::Open("sqlite:" + missing + "/registry.db", "", OpenMode::kMustExist);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(opened.status().message().find("no registry database at"), std::string::npos);
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_TRUE(Registry::Open("sqlite:" + dir_ + "/reg/registry.db", "", OpenMode::kMustExist).ok());
}

TEST_F(RegistryTest, PushStoresTheArtifactAndTheSignature) {
  PushOptions options = Options("addrelu");
  options.tags = {{"team", "core"}};
  options.metrics = {{"accuracy", 0.5}};
  absl::StatusOr<ModelVersion> v = registry_->Push(model_path_, options);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->digest, Sha256Hex(model_bytes_));
  EXPECT_EQ(v->size, static_cast<int64_t>(model_bytes_.size()));
  EXPECT_EQ(v->pushed_by, "ann");
  EXPECT_EQ(v->signature_json, R"({"inputs":[{"name":"x","type":"float","shape":["N",4]}],)"
                               R"("outputs":[{"name":"y","type":"float","shape":["N",4]}]})");
  absl::StatusOr<std::string> path = registry_->ArtifactPath(*v);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*Sha256HexOfFile(*path), v->digest);
  EXPECT_EQ(registry_->Push(model_path_, options)->version, 2);
  EXPECT_EQ(BlobCount(), 1u);  // the same bytes are stored once
}

TEST_F(RegistryTest, ResolveTakesNumbersAndAliases) {
  ASSERT_TRUE(registry_->Push(model_path_, Options("m")).ok());
  ASSERT_TRUE(registry_->Push(model_path_, Options("m")).ok());
  ASSERT_TRUE(registry_->SetAlias("m", "production", 1, "ann", "").ok());
  EXPECT_EQ(*registry_->Resolve("m", "2"), 2);
  EXPECT_EQ(*registry_->Resolve("m", "production"), 1);
  EXPECT_EQ(registry_->Show("m", "production")->version, 1);
  EXPECT_EQ(registry_->Show("m", "3").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->Resolve("m", "0").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->Resolve("m", "canary").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->Resolve("m", "a/b").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryTest, InvalidModelIsRefusedBeforeAnythingIsWritten) {
  const std::string junk = Write("junk.onnx", "this is not an onnx model");
  absl::StatusOr<ModelVersion> v = registry_->Push(junk, Options("m"));
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("cannot load model '" + junk + "'"), std::string::npos)
      << v.status();
  EXPECT_EQ(registry_->Push(dir_ + "/missing.onnx", Options("m")).status().code(),
            absl::StatusCode::kNotFound);
  PushOptions bad_tag = Options("m");
  bad_tag.tags = {{"a=b", "c"}};
  EXPECT_EQ(registry_->Push(model_path_, bad_tag).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->Push(model_path_, Options("bad name")).status().code(),
            absl::StatusCode::kInvalidArgument);
  PushOptions no_parent = Options("m");
  no_parent.parent = 4;
  absl::StatusOr<ModelVersion> orphan = registry_->Push(model_path_, no_parent);
  EXPECT_EQ(orphan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(orphan.status().message().find("parent version 4"), std::string::npos);
  PushOptions infinite = Options("m");
  infinite.metrics = {{"loss", std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(registry_->Push(model_path_, infinite).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(registry_->Models()->empty());
  EXPECT_EQ(BlobCount(), 0u);
  EXPECT_EQ(*registry_->ChangeCounter(), 0);
}

TEST_F(RegistryTest, CorruptArtifactIsDataLoss) {
  ModelVersion v = *registry_->Push(model_path_, Options("m"));
  std::ofstream(registry_->artifacts().BlobPath(v.digest), std::ios::binary) << "tampered";
  absl::StatusOr<std::string> path = registry_->ArtifactPath(v);
  EXPECT_EQ(path.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(path.status().message().find("version 1 of model 'm'"), std::string::npos);
}

TEST_F(RegistryTest, GarbageCollectionKeepsReferencedBlobs) {
  ModelVersion v = *registry_->Push(model_path_, Options("m"));
  ASSERT_TRUE(registry_->artifacts().Put("orphan bytes").ok());  // as if a push died here
  EXPECT_EQ(BlobCount(), 2u);
  absl::StatusOr<GarbageReport> report = registry_->CollectGarbage();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->blobs_removed, 1);
  EXPECT_EQ(BlobCount(), 1u);
  EXPECT_TRUE(registry_->ArtifactPath(v).ok());
}

// The facade is gated too (every caller, the CLI and the management API, goes through it):
// a report put with PutDocument opens the gate; a broken one keeps it shut.
TEST_F(RegistryTest, ProtectedAliasesAreGatedThroughTheFacade) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(registry_->Push(model_path_, Options("m")).ok());
  Protection p;
  p.model = "m";
  p.alias = "production";
  p.min_accuracy = 0.9;
  p.max_p99_ms = 5;
  p.created_by = "ann";
  ASSERT_TRUE(registry_->Protect(p).ok());
  ASSERT_TRUE(registry_
                  ->PutDocument("m", "1", kValidationDocument,
                                testing::ValidationReportJson(true, 0.97, 1.5), "ci")
                  .ok());
  ASSERT_TRUE(registry_
                  ->PutDocument("m", "2", kValidationDocument,
                                testing::ValidationReportJson(false, 0.2, 1.5), "ci")
                  .ok());
  ASSERT_TRUE(registry_->SetAlias("m", "production", 1, "ann", "validated").ok());
  absl::Status refused = registry_->SetAlias("m", "production", 2, "ann", "").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("top-1 accuracy 0.2 is below the alias's minimum 0.9"),
            std::string::npos)
      << refused;
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 3;
  EXPECT_EQ(registry_->StartRollout(spec, "ann").status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<Rollout> forced = registry_->StartRollout(spec, "ann", {true, "shadow only"});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_TRUE(forced->forced);
  EXPECT_EQ((*registry_->Protections("m")).size(), 1u);
  // The preview `berth show` prints: 1 would pass, 2 would be refused, and why.
  absl::StatusOr<std::vector<GateVerdict>> gates = registry_->Gates("m", 1);
  ASSERT_TRUE(gates.ok()) << gates.status();
  ASSERT_EQ(gates->size(), 1u);
  EXPECT_TRUE((*gates)[0].reasons.empty());
  gates = registry_->Gates("m", 2);
  ASSERT_TRUE(gates.ok() && gates->size() == 1u) << gates.status();
  EXPECT_EQ((*gates)[0].protection.alias, "production");
  ASSERT_EQ((*gates)[0].reasons.size(), 2u);  // failed, and top-1 below the minimum
  EXPECT_EQ(registry_->Gates("m", 9).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(registry_->Unprotect("m", "production").ok());
  EXPECT_TRUE(registry_->SetAlias("m", "production", 2, "ann", "ungated now").ok());
}

}  // namespace
}  // namespace berth::registry
