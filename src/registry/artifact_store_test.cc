#include "registry/artifact_store.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "registry/registry_test_util.h"
#include "registry/sha256.h"

namespace berth::registry {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTempDir() + "/blobs";
    absl::StatusOr<std::unique_ptr<ArtifactStore>> store = ArtifactStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::string root_;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_F(ArtifactStoreTest, PutStoresTheBytesUnderTheirDigest) {
  absl::StatusOr<std::string> digest = store_->Put("model bytes");
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, Sha256Hex("model bytes"));
  const std::string path = root_ + "/sha256/" + digest->substr(0, 2) + "/" + *digest;
  EXPECT_EQ(store_->BlobPath(*digest), path);
  EXPECT_EQ(ReadAll(path), "model bytes");
  EXPECT_EQ(*store_->OpenVerified(*digest), path);
  EXPECT_EQ(*store_->Put("model bytes"), *digest);  // idempotent
  EXPECT_TRUE(fs::is_empty(root_ + "/staging"));
}

TEST_F(ArtifactStoreTest, CorruptBlobIsDataLossNamingTheDigest) {
  const std::string digest = *store_->Put("good bytes");
  std::ofstream(store_->BlobPath(digest), std::ios::binary) << "bad bytes";
  absl::StatusOr<std::string> opened = store_->OpenVerified(digest);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(opened.status().message().find("sha256:" + digest), std::string::npos);

  fs::remove(store_->BlobPath(digest));
  EXPECT_EQ(store_->OpenVerified(digest).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->OpenVerified("../../etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ArtifactStoreTest, CollectGarbageKeepsOnlyReferencedBlobs) {
  const std::string keep = *store_->Put("keep");
  const std::string drop = *store_->Put("drop");
  std::ofstream(root_ + "/staging/blob-stale1") << "half a write";
  absl::StatusOr<GarbageReport> report = store_->CollectGarbage(
      [&]() -> absl::StatusOr<std::set<std::string>> { return std::set<std::string>{keep}; });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->blobs_removed, 1);
  EXPECT_EQ(report->staging_files_removed, 1);
  EXPECT_EQ(report->bytes_freed, 4 + 12);
  EXPECT_TRUE(store_->OpenVerified(keep).ok());
  EXPECT_FALSE(fs::exists(store_->BlobPath(drop)));
  EXPECT_TRUE(fs::is_empty(root_ + "/staging"));
}

TEST_F(ArtifactStoreTest, CollectGarbageFailsWhenTheReferencesCannotBeRead) {
  const std::string blob = *store_->Put("bytes");
  absl::StatusOr<GarbageReport> report =
      store_->CollectGarbage([]() -> absl::StatusOr<std::set<std::string>> {
        return absl::UnavailableError("database down");
      });
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(fs::exists(store_->BlobPath(blob)));  // nothing removed
}

TEST_F(ArtifactStoreTest, CollectGarbageWaitsForWritesInFlight) {
  absl::StatusOr<ArtifactStore::WriteLease> lease = store_->AcquireWriteLease();
  ASSERT_TRUE(lease.ok()) << lease.status();
  const std::string blob = *store_->Put("not committed yet");
  std::atomic<bool> done{false};
  std::thread gc([&] {
    std::unique_ptr<ArtifactStore> other = *ArtifactStore::Open(root_);
    absl::StatusOr<GarbageReport> report =
        other->CollectGarbage([&]() -> absl::StatusOr<std::set<std::string>> {
          return std::set<std::string>{blob};  // by now the writer has committed it
        });
    EXPECT_TRUE(report.ok()) << report.status();
    done = true;
  });
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(done.load());  // blocked on the lease
  { ArtifactStore::WriteLease released = std::move(*lease); }
  gc.join();
  EXPECT_TRUE(done.load());
  EXPECT_TRUE(store_->OpenVerified(blob).ok());
}

}  // namespace
}  // namespace berth::registry
