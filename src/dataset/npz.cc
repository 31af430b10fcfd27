#include "dataset/npz.h"

#include <zip.h>

#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::dataset {
namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("not a valid .npz file: ", what));
}

absl::StatusOr<ZipPtr> OpenArchive(std::string_view bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Bad(message);
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    zip_source_free(source);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Bad(message);
  }
  zip_error_fini(&error);
  return ZipPtr(archive);
}

// The bytes of member `index`, which claims `size` bytes; reading one byte more tells a
// member that holds more than it claims.
absl::StatusOr<std::string> ReadMember(zip_t* archive, zip_uint64_t index, uint64_t size,
                                       const std::string& name) {
  ZipFilePtr file(zip_fopen_index(archive, index, 0));
  if (!file) {
    return Bad(absl::StrCat("member '", name, "' cannot be read: ", zip_strerror(archive)));
  }
  std::string data(size + 1, '\0');
  uint64_t got = 0;
  while (got < data.size()) {
    const zip_int64_t n = zip_fread(file.get(), data.data() + got, data.size() - got);
    if (n < 0) {
      return Bad(absl::StrCat(
          "member '", name, "' is corrupt: ", zip_error_strerror(zip_file_get_error(file.get()))));
    }
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  if (got != size) {
    return Bad(absl::StrCat("member '", name, "' holds ", got > size ? "more" : "fewer",
                            " bytes than the ", size, " it claims"));
  }
  data.resize(size);
  return data;
}

}  // namespace

absl::StatusOr<std::vector<NamedTensor>> ParseNpz(std::string_view bytes, const NpzLimits& limits) {
  ASSIGN_OR_RETURN(ZipPtr archive, OpenArchive(bytes));
  const zip_int64_t members = zip_get_num_entries(archive.get(), 0);
  if (members < 0 || members > limits.max_members) {
    return Bad(
        absl::StrCat("it has ", members, " members, more than the limit of ", limits.max_members));
  }
  // libzip opens an empty file as an empty archive; neither holds an array.
  if (members == 0) return Bad("it has no members (an .npz holds at least one NAME.npy)");
  std::vector<NamedTensor> tensors;
  std::set<std::string> seen;
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < members; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME) ||
        !(stat.valid & ZIP_STAT_SIZE)) {
      return Bad(absl::StrCat("member ", i, " cannot be read: ", zip_strerror(archive.get())));
    }
    const std::string member = stat.name;
    if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE) {
      return Bad(absl::StrCat("member '", member, "' is encrypted"));
    }
    if (!absl::EndsWith(member, ".npy") || member.size() == 4) {
      return Bad(absl::StrCat("member '", member, "' is not a NAME.npy file"));
    }
    const std::string name = member.substr(0, member.size() - 4);
    if (!seen.insert(name).second) return Bad(absl::StrCat("member '", member, "' is repeated"));
    if (stat.size > limits.max_total_bytes - total) {
      return Bad(absl::StrCat("member '", member, "' takes the archive past the limit of ",
                              limits.max_total_bytes, " uncompressed bytes"));
    }
    total += stat.size;
    ASSIGN_OR_RETURN(std::string data, ReadMember(archive.get(), i, stat.size, member));
    absl::StatusOr<engine::Tensor> tensor = ParseNpy(data, limits.npy);
    if (!tensor.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("member '", member, "' of the .npz: ", tensor.status().message()));
    }
    tensors.push_back({name, *std::move(tensor)});
  }
  return tensors;
}

absl::StatusOr<std::string> EncodeNpz(const std::vector<NamedTensor>& tensors) {
  if (tensors.empty()) return absl::InvalidArgumentError("an .npz needs at least one tensor");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* sink = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_error_fini(&error);
  if (sink == nullptr) return absl::InternalError("libzip cannot make a buffer");
  zip_source_keep(sink);
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> sink_ref(sink, zip_source_free);
  zip_t* archive = zip_open_from_source(sink, ZIP_TRUNCATE, nullptr);
  if (archive == nullptr) return absl::InternalError("libzip cannot open a new archive");
  ZipPtr owned(archive);
  std::vector<std::string> members;  // alive until zip_close copies them
  members.reserve(tensors.size());
  for (const NamedTensor& t : tensors) {
    ASSIGN_OR_RETURN(std::string npy, EncodeNpy(t.tensor));
    members.push_back(std::move(npy));
    zip_source_t* member =
        zip_source_buffer(archive, members.back().data(), members.back().size(), 0);
    const std::string name = t.name + ".npy";
    if (member == nullptr || zip_file_add(archive, name.c_str(), member, ZIP_FL_ENC_UTF_8) < 0) {
      if (member != nullptr) zip_source_free(member);
      return absl::InternalError(absl::StrCat("libzip: ", zip_strerror(archive)));
    }
    zip_set_file_compression(archive, zip_get_num_entries(archive, 0) - 1, ZIP_CM_STORE, 0);
  }
  if (zip_close(owned.release()) != 0) return absl::InternalError("libzip cannot close");
  if (zip_source_open(sink) != 0) return absl::InternalError("libzip cannot reopen its buffer");
  std::string out;
  char buffer[1 << 14];
  zip_int64_t n;
  while ((n = zip_source_read(sink, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  zip_source_close(sink);
  return out;
}

}  // namespace berth::dataset
