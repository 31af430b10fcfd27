#include "serving/model_source.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "quality/profile_json.h"

namespace berth::serving {
namespace {

class RepositorySource final : public ModelSource {
 public:
  explicit RepositorySource(std::filesystem::path root) : root_(std::move(root)) {}

  absl::StatusOr<std::vector<RepositoryModel>> ScanAll() override { return ScanRepository(root_); }
  RepositoryModel Scan(const std::string& name) override { return ScanModel(root_, name); }
  std::string Description() const override { return "the model repository"; }
  absl::StatusOr<std::optional<std::string>> ReadProfile(const RepositoryModel& model,
                                                         int64_t version) override {
    const std::filesystem::path file = model.dir / std::to_string(version) / "profile.json";
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) return std::nullopt;
    ASSIGN_OR_RETURN(std::string text,
                     ReadFileToString(file.string(), quality::kMaxProfileJsonBytes));
    return text;
  }

 private:
  const std::filesystem::path root_;
};

class SingleFileSource final : public ModelSource {
 public:
  SingleFileSource(std::string name, std::filesystem::path file)
      : name_(std::move(name)), file_(std::move(file)) {}

  absl::StatusOr<std::vector<RepositoryModel>> ScanAll() override {
    return std::vector<RepositoryModel>{Scan(name_)};
  }

  RepositoryModel Scan(const std::string& name) override {
    RepositoryModel model;
    model.name = name;
    model.dir = file_.parent_path();
    model.status = ValidateModelName(name);
    if (!model.status.ok()) return model;
    if (name != name_) {
      model.status = absl::NotFoundError(
          absl::StrCat("no model '", name, "': this serves '", name_, "' only"));
      return model;
    }
    std::error_code error;
    if (!std::filesystem::is_regular_file(file_, error)) {
      model.status = absl::NotFoundError(
          absl::StrCat("model file '", file_.string(), "' is not a readable file"));
      return model;
    }
    model.versions[1] = file_;
    model.selected = {1};
    return model;
  }

  absl::StatusOr<std::optional<std::string>> ReadProfile(const RepositoryModel&, int64_t) override {
    return std::nullopt;
  }

  std::string Description() const override { return "the model file"; }

 private:
  const std::string name_;
  const std::filesystem::path file_;
};

}  // namespace

std::shared_ptr<ModelSource> MakeSingleFileSource(std::string name, std::filesystem::path file) {
  return std::make_shared<SingleFileSource>(std::move(name), std::move(file));
}

std::shared_ptr<ModelSource> MakeRepositorySource(std::filesystem::path root) {
  return std::make_shared<RepositorySource>(std::move(root));
}

}  // namespace berth::serving
