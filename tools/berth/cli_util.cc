#include "cli_util.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::cli {

std::string DimToString(const engine::Dim& dim) {
  if (dim.is_fixed()) return std::to_string(dim.value);
  if (!dim.symbol.empty()) return dim.symbol;
  return "?";
}

std::string SignatureShapeToString(const engine::ValueInfo& info) {
  if (!info.has_shape) return "?";
  return absl::StrCat("[",
                      absl::StrJoin(info.dims, ",",
                                    [](std::string* out, const engine::Dim& d) {
                                      out->append(DimToString(d));
                                    }),
                      "]");
}

absl::Status CheckReadableFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) {
    return absl::NotFoundError(absl::StrCat(what, " '", path, "' does not exist"));
  }
  if (std::filesystem::is_directory(st)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", path, "' is a directory"));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(what, " '", path, "' is not readable"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<engine::Model>> LoadModel(const std::string& path, int threads,
                                                         bool optimize) {
  engine::ModelOptions options;
  options.intra_op_threads = threads;
  options.optimize = optimize;
  return LoadModel(path, options);
}

absl::StatusOr<std::unique_ptr<engine::Model>> LoadModel(const std::string& path,
                                                         const engine::ModelOptions& options) {
  absl::Status readable = CheckReadableFile(path, "model");
  if (!readable.ok()) return readable;
  absl::StatusOr<std::unique_ptr<engine::Model>> model =
      engine::Model::LoadFromFile(path, options);
  if (!model.ok()) {
    return AnnotateUnlessNamed(model.status(), path,
                               absl::StrCat("cannot load model '", path, "'"));
  }
  return model;
}

std::string ErrorText(const absl::Status& status) {
  if (!status.message().empty()) return std::string(status.message());
  return status.ToString();
}

absl::Status Annotate(const absl::Status& status, const std::string& prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, ": ", status.message()));
}

absl::Status AnnotateUnlessNamed(const absl::Status& status, const std::string& path,
                                 const std::string& prefix) {
  if (absl::StrContains(status.message(), path)) return status;
  return Annotate(status, prefix);
}

}  // namespace berth::cli
