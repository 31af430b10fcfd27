#include "common/file_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace berth {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) fclose(f);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  int err = errno;
  std::string msg = absl::StrCat(what, " '", path, "': ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

absl::StatusOr<uint64_t> RegularFileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes) {
  absl::StatusOr<uint64_t> size = RegularFileSize(path);
  if (!size.ok()) return size.status();
  if (*size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("file '", path, "' is ", *size, " bytes, over the limit of ", max_bytes));
  }
  std::string out;
  absl::Status st = ReadFileRange(path, 0, *size, &out);
  if (!st.ok()) return st;
  return out;
}

absl::Status ReadFileRange(const std::string& path, uint64_t offset, uint64_t length,
                           std::string* out) {
  absl::StatusOr<uint64_t> size = RegularFileSize(path);
  if (!size.ok()) return size.status();
  if (offset > *size || length > *size - offset) {
    return absl::OutOfRangeError(absl::StrCat("range [", offset, ", ", offset + length,
                                              ") lies outside '", path, "' of ", *size,
                                              " bytes"));
  }
  FilePtr f(fopen(path.c_str(), "rb"));
  if (!f) return ErrnoStatus("cannot open", path);
  if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0) {
    return ErrnoStatus("cannot seek in", path);
  }
  out->resize(length);
  if (length > 0 && fread(out->data(), 1, length, f.get()) != length) {
    return absl::InternalError(absl::StrCat("short read from '", path, "'"));
  }
  return absl::OkStatus();
}

absl::Status WriteStringToFile(const std::string& path, const std::string& data) {
  FilePtr f(fopen(path.c_str(), "wb"));
  if (!f) return ErrnoStatus("cannot create", path);
  if (!data.empty() && fwrite(data.data(), 1, data.size(), f.get()) != data.size()) {
    return ErrnoStatus("cannot write", path);
  }
  if (fflush(f.get()) != 0) return ErrnoStatus("cannot flush", path);
  return absl::OkStatus();
}

}  // namespace berth
