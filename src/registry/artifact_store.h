// Content-addressed storage of model artifacts: ROOT/sha256/ab/abcdef... (the SHA-256 of the
// bytes, in a folder named by its first two hex digits), written crash-safely:
//
//   1. the bytes go to a fresh file in ROOT/staging (same filesystem), which is fsynced;
//   2. it is renamed to its blob path and the blob's folder is fsynced;
//   3. only then may the caller commit a database row that references the digest.
//
// So a crash leaves either no blob, a complete blob, or a stale staging file, never a torn
// blob under a digest; CollectGarbage removes stale staging files and blobs no version
// references. Writers hold a WriteLease (a shared flock on ROOT/gc.lock) from Put until their
// row commits; CollectGarbage takes the lock exclusively, so it never removes a blob whose row
// is about to commit. The lock is released by the kernel when a process dies.
//
// Thread safety: the methods are safe to call from several threads and processes at once.
#ifndef BERTH_REGISTRY_ARTIFACT_STORE_H_
#define BERTH_REGISTRY_ARTIFACT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::registry {

// What CollectGarbage removed.
struct GarbageReport {
  int64_t blobs_removed = 0;
  int64_t staging_files_removed = 0;
  int64_t bytes_freed = 0;
};

class ArtifactStore {
 public:
  // Holds the shared side of ROOT/gc.lock while alive. Movable, not copyable.
  class WriteLease {
   public:
    explicit WriteLease(int fd) : fd_(fd) {}
    WriteLease(WriteLease&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    WriteLease& operator=(WriteLease&&) = delete;
    ~WriteLease();

   private:
    int fd_;
  };

  // Opens the store at `root`, creating its folders when `create_folders` (a store opened
  // without them is only read). Internal naming the folder on failure.
  static absl::StatusOr<std::unique_ptr<ArtifactStore>> Open(const std::string& root,
                                                             bool create_folders = true);

  // Waits for any garbage collection to end, then returns a lease that keeps the next one
  // from starting until it is destroyed.
  absl::StatusOr<WriteLease> AcquireWriteLease();

  // Stores `bytes` (steps 1 and 2 above) and returns their digest. Storing bytes that are
  // already there replaces the blob with an identical one. Call with a WriteLease held.
  // Internal naming the file on any I/O error; nothing is left under the digest then.
  absl::StatusOr<std::string> Put(absl::string_view bytes);

  // The path the blob of `digest` has (whether or not it exists).
  std::string BlobPath(absl::string_view digest) const;

  // The blob's path after hashing it: NotFound when it is missing, DataLoss naming the digest
  // when its content does not hash to it.
  absl::StatusOr<std::string> OpenVerified(absl::string_view digest) const;

  // Removes every blob whose digest `referenced` does not return (called under the
  // exclusive lock, so no write is in flight) and every staging file.
  absl::StatusOr<GarbageReport> CollectGarbage(
      const std::function<absl::StatusOr<std::set<std::string>>()>& referenced);

  const std::string& root() const { return root_; }

 private:
  explicit ArtifactStore(std::string root) : root_(std::move(root)) {}
  std::string BlobsDir() const;
  std::string StagingDir() const;
  std::string LockPath() const;

  std::string root_;
};

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_ARTIFACT_STORE_H_
