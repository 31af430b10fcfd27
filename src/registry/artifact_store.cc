#include "registry/artifact_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "registry/sha256.h"

namespace berth::registry {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " '", path, "': ", std::strerror(errno)));
}

// Makes a rename or a new entry in `dir` durable.
absl::Status FsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open folder", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync folder", dir);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, absl::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return ErrnoError("cannot fsync", path);
  return absl::OkStatus();
}

absl::Status CreateDirectory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return absl::InternalError(absl::StrCat("cannot create folder '", dir, "': ", ec.message()));
  return absl::OkStatus();
}

// The entries of `dir` (the non-throwing iteration: increment with an error code).
absl::StatusOr<std::vector<fs::path>> ListDirectory(const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list '", dir, "': ", ec.message()));
  return entries;
}

// Removes `path` and adds its size to the report's freed bytes; a file already gone is fine.
void RemoveCounted(const fs::path& path, int64_t* count, GarbageReport* report) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (fs::remove(path, ec)) {
    ++*count;
    if (size != static_cast<uintmax_t>(-1)) report->bytes_freed += static_cast<int64_t>(size);
  }
}

}  // namespace

ArtifactStore::WriteLease::~WriteLease() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases its flock
}

absl::StatusOr<std::unique_ptr<ArtifactStore>> ArtifactStore::Open(const std::string& root,
                                                                   bool create_folders) {
  std::unique_ptr<ArtifactStore> store(new ArtifactStore(root));
  if (!create_folders) return store;
  RETURN_IF_ERROR(CreateDirectory(store->BlobsDir()));
  RETURN_IF_ERROR(CreateDirectory(store->StagingDir()));
  return store;
}

std::string ArtifactStore::BlobsDir() const { return (fs::path(root_) / "sha256").string(); }
std::string ArtifactStore::StagingDir() const { return (fs::path(root_) / "staging").string(); }
std::string ArtifactStore::LockPath() const { return (fs::path(root_) / "gc.lock").string(); }

std::string ArtifactStore::BlobPath(absl::string_view digest) const {
  std::string prefix(digest.substr(0, 2));
  return (fs::path(BlobsDir()) / prefix / std::string(digest)).string();
}

absl::StatusOr<ArtifactStore::WriteLease> ArtifactStore::AcquireWriteLease() {
  const std::string path = LockPath();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open lock file", path);
  WriteLease lease(fd);
  while (::flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) return ErrnoError("cannot lock", path);
  }
  return lease;
}

absl::StatusOr<std::string> ArtifactStore::Put(absl::string_view bytes) {
  const std::string digest = Sha256Hex(bytes);
  std::string staging = (fs::path(StagingDir()) / "blob-XXXXXX").string();
  int fd = ::mkostemp(staging.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot create a staging file in", StagingDir());
  absl::Status written = WriteAll(fd, bytes, staging);
  if (::close(fd) != 0 && written.ok()) written = ErrnoError("cannot close", staging);
  const std::string blob = BlobPath(digest);
  const std::string blob_dir = fs::path(blob).parent_path().string();
  if (written.ok()) {
    std::error_code ec;
    bool created = !fs::exists(blob_dir, ec);
    written = CreateDirectory(blob_dir);
    if (written.ok() && created) written = FsyncDirectory(BlobsDir());
  }
  if (written.ok() && ::rename(staging.c_str(), blob.c_str()) != 0) {
    written = ErrnoError("cannot rename the staging file to", blob);
  }
  if (!written.ok()) {
    ::unlink(staging.c_str());
    return written;
  }
  RETURN_IF_ERROR(FsyncDirectory(blob_dir));
  return digest;
}

absl::StatusOr<std::string> ArtifactStore::OpenVerified(absl::string_view digest) const {
  RETURN_IF_ERROR(ValidateDigest(digest));
  const std::string path = BlobPath(digest);
  absl::StatusOr<std::string> actual = Sha256HexOfFile(path);
  if (absl::IsNotFound(actual.status())) {
    return absl::NotFoundError(
        absl::StrCat("artifact sha256:", digest, " is missing (no file '", path, "')"));
  }
  if (!actual.ok()) return actual.status();
  if (*actual != digest) {
    return absl::DataLossError(absl::StrCat("artifact sha256:", digest, " is corrupt: '", path,
                                            "' hashes to sha256:", *actual));
  }
  return path;
}

absl::StatusOr<GarbageReport> ArtifactStore::CollectGarbage(
    const std::function<absl::StatusOr<std::set<std::string>>()>& referenced) {
  const std::string lock_path = LockPath();
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open lock file", lock_path);
  WriteLease exclusive(fd);  // releases the lock however this returns
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return ErrnoError("cannot lock", lock_path);
  }
  ASSIGN_OR_RETURN(std::set<std::string> keep, referenced());
  GarbageReport report;
  ASSIGN_OR_RETURN(std::vector<fs::path> prefixes, ListDirectory(BlobsDir()));
  for (const fs::path& prefix : prefixes) {
    ASSIGN_OR_RETURN(std::vector<fs::path> blobs, ListDirectory(prefix.string()));
    for (const fs::path& blob : blobs) {
      if (keep.count(blob.filename().string()) == 0) {
        RemoveCounted(blob, &report.blobs_removed, &report);
      }
    }
    std::error_code ec;
    fs::remove(prefix, ec);  // only succeeds when the folder is empty
  }
  ASSIGN_OR_RETURN(std::vector<fs::path> staged, ListDirectory(StagingDir()));
  for (const fs::path& file : staged) {
    RemoveCounted(file, &report.staging_files_removed, &report);
  }
  return report;
}

}  // namespace berth::registry
