#include "dataset/dataset.h"

#include <filesystem>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "engine/format/tensor_proto.h"

namespace berth::dataset {
namespace {

absl::Status InFile(const absl::Status& status, const std::string& path) {
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::vector<NamedTensor>> ReadDatasetFile(const std::string& path,
                                                         const DatasetLimits& limits) {
  const std::filesystem::path file(path);
  const std::string extension = absl::AsciiStrToLower(file.extension().string());
  if (extension != ".npy" && extension != ".npz" && extension != ".pb" && extension != ".csv") {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset file '", path, "': unknown extension (expected .npy, .npz, .pb or .csv)"));
  }
  std::string name = file.stem().string();
  absl::StatusOr<engine::Tensor> tensor;
  if (extension == ".pb") {
    std::string proto_name;
    tensor = engine::ReadTensorFile(path, &proto_name);
    if (!tensor.ok()) return tensor.status();  // names the file already
    if (!proto_name.empty()) name = proto_name;
  } else {
    absl::StatusOr<std::string> bytes = ReadFileToString(path, limits.max_file_bytes);
    if (!bytes.ok()) return bytes.status();
    if (extension == ".csv") {
      absl::StatusOr<std::vector<NamedTensor>> columns = ParseCsv(*bytes, limits.csv);
      if (!columns.ok()) return InFile(columns.status(), path);
      return columns;
    }
    if (extension == ".npz") {
      absl::StatusOr<std::vector<NamedTensor>> members = ParseNpz(*bytes, limits.npz);
      if (!members.ok()) return InFile(members.status(), path);
      return members;
    }
    tensor = ParseNpy(*bytes, limits.npz.npy);
  }
  if (!tensor.ok()) return InFile(tensor.status(), path);
  std::vector<NamedTensor> tensors;
  tensors.push_back({name, *std::move(tensor)});
  return tensors;
}

absl::StatusOr<std::vector<NamedTensor>> ReadDataset(const std::vector<std::string>& paths,
                                                     const DatasetLimits& limits) {
  std::vector<NamedTensor> all;
  std::map<std::string, std::string> file_of;  // tensor name -> its file
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(std::vector<NamedTensor> tensors, ReadDatasetFile(path, limits));
    for (NamedTensor& t : tensors) {
      auto [it, added] = file_of.emplace(t.name, path);
      if (!added) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor '", t.name, "' is given twice (", it->second, " and ", path, ")"));
      }
      if (t.tensor.rank() == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor '", t.name, "' of ", path,
                         " is a scalar; a dataset's first dimension is "
                         "the row"));
      }
      if (!all.empty() && t.tensor.dim(0) != all.front().tensor.dim(0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor '", t.name, "' of ", path, " has ", t.tensor.dim(0), " rows but '",
                         all.front().name, "' has ", all.front().tensor.dim(0)));
      }
      all.push_back(std::move(t));
    }
  }
  return all;
}

engine::Tensor RowsView(const engine::Tensor& tensor, int64_t begin, int64_t count) {
  engine::Shape shape = tensor.shape();
  const int64_t row_bytes = tensor.dim(0) == 0 ? 0 : tensor.byte_size() / tensor.dim(0);
  shape[0] = count;
  char* base = static_cast<char*>(const_cast<void*>(tensor.raw_data()));
  return engine::Tensor::View(tensor.dtype(), shape, base + begin * row_bytes);
}

int64_t DatasetRows(const std::vector<NamedTensor>& tensors) {
  return tensors.empty() ? 0 : tensors.front().tensor.dim(0);
}

}  // namespace berth::dataset
