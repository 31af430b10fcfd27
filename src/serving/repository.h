// Reading a model repository: DIR/<model>/<version>/model.onnx, with an optional
// DIR/<model>/config.yaml (serving/model_config.h).
//
// A scan reports every model folder, each with its own status, so that one broken model never
// keeps the others from serving. Entries starting with '.' are skipped (.git, editor files);
// any other folder whose name is not a valid model name (common/names.h), version folders that
// are not positive integers, and model files that resolve outside the repository are reported,
// never followed.
#ifndef BERTH_SERVING_REPOSITORY_H_
#define BERTH_SERVING_REPOSITORY_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "serving/model_config.h"

namespace berth::serving {

// The model file each version folder must hold.
inline constexpr char kModelFileName[] = "model.onnx";
// The optional per-model config file.
inline constexpr char kConfigFileName[] = "config.yaml";

struct RepositoryModel {
  std::string name;
  std::filesystem::path dir;  // DIR/<name>
  // OK, or why this model cannot serve (bad name, bad config, no version); the other fields
  // hold what could be read.
  absl::Status status;
  ModelConfig config;
  bool has_config = false;  // false: the defaults, the signature comes from the model
  // Version -> DIR/<name>/<version>/model.onnx, for every version folder with a model file.
  std::map<int64_t, std::filesystem::path> versions;
  // Version folders that were skipped, and why (e.g. "0x: not a positive integer").
  std::vector<std::string> skipped;
  // The versions the config's version policy selects, ascending.
  std::vector<int64_t> selected;
  // Version -> SHA-256 of its file, where the source knows it (the model registry).
  std::map<int64_t, std::string> digests;
};

// Scans `root`. Fails with NotFound or FailedPrecondition when `root` is missing or not a
// readable folder; otherwise returns one entry per model folder, sorted by name. Reads only
// folder listings and config files (at most kMaxConfigBytes each), never model files.
inline constexpr size_t kMaxConfigBytes = 1 << 20;
absl::StatusOr<std::vector<RepositoryModel>> ScanRepository(const std::filesystem::path& root);

// Scans one model folder `root`/`name` (the name validated first). Never fails as a whole:
// problems are in the entry's status.
RepositoryModel ScanModel(const std::filesystem::path& root, const std::string& name);

}  // namespace berth::serving

#endif  // BERTH_SERVING_REPOSITORY_H_
