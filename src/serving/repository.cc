#include "serving/repository.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "common/names.h"

namespace berth::serving {
namespace fs = std::filesystem;
namespace {

bool Hidden(const std::string& name) { return !name.empty() && name.front() == '.'; }

// The entries of `dir`; `what` names it in the error.
absl::StatusOr<std::vector<fs::directory_entry>> ListFolder(const fs::path& dir,
                                                            const std::string& what) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list ", what, " '", dir.string(), "': ", ec.message()));
  }
  return entries;
}

// True when `path` resolves (symlinks followed) to a place inside `root` (canonical).
bool InsideRoot(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) return false;
  auto [r, p] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  return r == root.end();
}

absl::Status ReadConfig(const fs::path& dir, RepositoryModel& model) {
  const fs::path path = dir / kConfigFileName;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return absl::OkStatus();
  if (!fs::is_regular_file(st)) {
    return absl::FailedPreconditionError(absl::StrCat(path.string(), " is not a regular file"));
  }
  absl::StatusOr<std::string> text = ReadFileToString(path.string(), kMaxConfigBytes);
  if (!text.ok()) return text.status();
  absl::StatusOr<ModelConfig> config = ParseModelConfig(*text, path.string());
  if (!config.ok()) return config.status();
  model.config = *std::move(config);
  model.has_config = true;
  return absl::OkStatus();
}

// Adds the version folder `entry` of `model`, or notes why it was skipped.
void AddVersion(const fs::path& root, const fs::directory_entry& entry, RepositoryModel& model) {
  const std::string name = entry.path().filename().string();
  absl::StatusOr<int64_t> version = ParseVersion(name);
  if (!version.ok()) {
    model.skipped.push_back(absl::StrCat(name, ": not a positive integer"));
    return;
  }
  const fs::path file = entry.path() / kModelFileName;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    model.skipped.push_back(absl::StrCat(name, ": no ", kModelFileName));
    return;
  }
  if (!InsideRoot(root, file)) {
    model.skipped.push_back(
        absl::StrCat(name, ": ", kModelFileName, " resolves outside the model repository"));
    return;
  }
  model.versions[*version] = file;
}

}  // namespace

RepositoryModel ScanModel(const fs::path& root, const std::string& name) {
  RepositoryModel model;
  model.name = name;
  model.dir = root / name;
  model.status = ValidateModelName(name);
  if (!model.status.ok()) return model;
  std::error_code ec;
  fs::path real_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(model.dir, ec) || !InsideRoot(real_root, model.dir)) {
    model.status = absl::NotFoundError(
        absl::StrCat("model '", name, "' has no folder in the model repository"));
    return model;
  }
  model.status = ReadConfig(model.dir, model);
  if (!model.status.ok()) return model;
  absl::StatusOr<std::vector<fs::directory_entry>> entries = ListFolder(model.dir, "model folder");
  if (!entries.ok()) {
    model.status = entries.status();
    return model;
  }
  for (const fs::directory_entry& entry : *entries) {
    const std::string child = entry.path().filename().string();
    if (Hidden(child) || child == kConfigFileName || !entry.is_directory(ec)) continue;
    AddVersion(real_root, entry, model);
  }
  std::sort(model.skipped.begin(), model.skipped.end());
  if (model.versions.empty()) {
    model.status = absl::FailedPreconditionError(absl::StrCat(
        "model '", name, "' has no version folder (1, 2, ...) holding a ", kModelFileName));
    return model;
  }
  std::vector<int64_t> available;
  for (const auto& [version, path] : model.versions) available.push_back(version);
  model.selected = model.config.version_policy.Select(available);
  if (model.selected.empty()) {
    model.status = absl::FailedPreconditionError(
        absl::StrCat("model '", name, "': the version policy selects none of the versions ",
                     absl::StrJoin(available, ", ")));
  }
  return model;
}

absl::StatusOr<std::vector<RepositoryModel>> ScanRepository(const fs::path& root) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (!fs::exists(st)) {
    return absl::NotFoundError(
        absl::StrCat("model repository '", root.string(), "' does not exist"));
  }
  if (!fs::is_directory(st)) {
    return absl::FailedPreconditionError(
        absl::StrCat("model repository '", root.string(), "' is not a folder"));
  }
  absl::StatusOr<std::vector<fs::directory_entry>> entries = ListFolder(root, "model repository");
  if (!entries.ok()) return entries.status();
  std::vector<RepositoryModel> models;
  for (const fs::directory_entry& entry : *entries) {
    const std::string name = entry.path().filename().string();
    if (Hidden(name) || !entry.is_directory(ec)) continue;
    models.push_back(ScanModel(root, name));
  }
  std::sort(models.begin(), models.end(),
            [](const RepositoryModel& a, const RepositoryModel& b) { return a.name < b.name; });
  return models;
}

}  // namespace berth::serving
