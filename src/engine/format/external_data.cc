#include "engine/format/external_data.h"

#include <filesystem>
#include <system_error>

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"

namespace berth::engine {
namespace {

namespace fs = std::filesystem;

absl::Status Refuse(const std::string& tensor_name, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("external data of tensor '", tensor_name, "': ", why));
}

bool IsInside(const fs::path& root, const fs::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c) {
    if (c == candidate.end() || *r != *c) return false;
  }
  return c != candidate.end();
}

}  // namespace

absl::StatusOr<std::string> ReadExternalData(const ExternalDataRef& ref,
                                             const std::string& model_dir,
                                             const std::string& tensor_name,
                                             uint64_t expected_bytes) {
  if (model_dir.empty()) {
    return Refuse(tensor_name, "the model was loaded from bytes without a data folder");
  }
  if (ref.location.empty()) return Refuse(tensor_name, "empty location");
  if (ref.location.find('\0') != std::string::npos) {
    return Refuse(tensor_name, "location contains a NUL byte");
  }
  fs::path location(ref.location);
  if (location.is_absolute()) {
    return Refuse(tensor_name, absl::StrCat("location '", ref.location, "' is absolute"));
  }
  std::error_code ec;
  fs::path root = fs::canonical(model_dir, ec);
  if (ec) return Refuse(tensor_name, absl::StrCat("cannot resolve model folder '", model_dir, "'"));
  // weakly_canonical resolves every symlink on the way; comparing against the purely
  // lexical path catches a link anywhere inside the folder.
  fs::path lexical = (root / location).lexically_normal();
  if (!IsInside(root, lexical)) {
    return Refuse(tensor_name,
                  absl::StrCat("location '", ref.location, "' leaves the model's folder"));
  }
  struct stat st;
  if (lstat(lexical.c_str(), &st) != 0) {
    return Refuse(tensor_name, absl::StrCat("file '", ref.location, "' does not exist"));
  }
  if (S_ISLNK(st.st_mode)) {
    return Refuse(tensor_name, absl::StrCat("file '", ref.location, "' is a symlink"));
  }
  if (!S_ISREG(st.st_mode)) {
    return Refuse(tensor_name, absl::StrCat("'", ref.location, "' is not a regular file"));
  }
  fs::path resolved = fs::canonical(lexical, ec);
  if (ec || resolved != lexical) {
    return Refuse(tensor_name,
                  absl::StrCat("location '", ref.location, "' passes through a symlink"));
  }
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (ref.offset > file_size) {
    return Refuse(tensor_name, absl::StrCat("offset ", ref.offset, " is past the end of '",
                                            ref.location, "' (", file_size, " bytes)"));
  }
  uint64_t length = ref.length < 0 ? file_size - ref.offset : static_cast<uint64_t>(ref.length);
  if (length > file_size - ref.offset) {
    return Refuse(tensor_name, absl::StrCat("offset ", ref.offset, " + length ", length,
                                            " exceeds the size of '", ref.location, "' (",
                                            file_size, " bytes)"));
  }
  if (length != expected_bytes) {
    return Refuse(tensor_name, absl::StrCat("length ", length, " does not match the ",
                                            expected_bytes, " bytes its dims need"));
  }
  std::string out;
  absl::Status read = ReadFileRange(lexical.string(), ref.offset, length, &out);
  if (!read.ok()) return Refuse(tensor_name, std::string(read.message()));
  return out;
}

}  // namespace berth::engine
