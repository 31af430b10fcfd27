#include "serving/model_source.h"

#include <system_error>

#include "common/file_util.h"
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

}  // namespace

std::shared_ptr<ModelSource> MakeRepositorySource(std::filesystem::path root) {
  return std::make_shared<RepositorySource>(std::move(root));
}

}  // namespace berth::serving
