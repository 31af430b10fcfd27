#include "serving/model_source.h"

namespace berth::serving {
namespace {

class RepositorySource final : public ModelSource {
 public:
  explicit RepositorySource(std::filesystem::path root) : root_(std::move(root)) {}

  absl::StatusOr<std::vector<RepositoryModel>> ScanAll() override { return ScanRepository(root_); }
  RepositoryModel Scan(const std::string& name) override { return ScanModel(root_, name); }
  std::string Description() const override { return "the model repository"; }

 private:
  const std::filesystem::path root_;
};

}  // namespace

std::shared_ptr<ModelSource> MakeRepositorySource(std::filesystem::path root) {
  return std::make_shared<RepositorySource>(std::move(root));
}

}  // namespace berth::serving
