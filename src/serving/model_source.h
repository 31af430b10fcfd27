// Where the model manager finds models: for each model, the versions to serve, their files
// and its config. A folder of files (RepositorySource, repository.h's layout and version
// policies) is one source; the model registry (serving/registry_source.h) is another.
#ifndef BERTH_SERVING_MODEL_SOURCE_H_
#define BERTH_SERVING_MODEL_SOURCE_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "serving/repository.h"

namespace berth::serving {

// Implementations are thread-safe: the manager may scan from several threads at once.
class ModelSource {
 public:
  virtual ~ModelSource() = default;

  // Every model the source has, each with its own status, sorted by name. Fails only when
  // the source itself cannot be read.
  virtual absl::StatusOr<std::vector<RepositoryModel>> ScanAll() = 0;

  // One model. Never fails as a whole: a model the source does not have comes back with a
  // NotFound status, other problems with theirs. `selected` lists the versions to serve and
  // `versions` their files.
  virtual RepositoryModel Scan(const std::string& name) = 0;

  // The drift reference profile (quality/profile_json.h's JSON) of `version` of `model` (as
  // Scan returned it), or nullopt when the version has none. The repository folder:
  // DIR/<model>/<version>/profile.json; the registry: the version's "profile" document.
  virtual absl::StatusOr<std::optional<std::string>> ReadProfile(const RepositoryModel& model,
                                                                 int64_t version) = 0;

  // Names the source in messages: "the model repository", "the model registry".
  virtual std::string Description() const = 0;
};

// The model repository folder `root` (repository.h).
std::shared_ptr<ModelSource> MakeRepositorySource(std::filesystem::path root);

// One model file served as model `name`, version 1, with the default config (`berth lambda
// --model-file`). Scans fail (in the model's status) when `file` is not a regular file; the
// name is validated (common/names.h). No drift reference profile.
std::shared_ptr<ModelSource> MakeSingleFileSource(std::string name, std::filesystem::path file);

}  // namespace berth::serving

#endif  // BERTH_SERVING_MODEL_SOURCE_H_
