// Helpers shared by the subcommands: model loading with readable errors and signature text.
#ifndef BERTH_TOOLS_BERTH_CLI_UTIL_H_
#define BERTH_TOOLS_BERTH_CLI_UTIL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "engine/runtime/model.h"

namespace berth::cli {

// "3", "batch" or "?" (unknown).
std::string DimToString(const engine::Dim& dim);

// "[batch,3,224,224]", "[]" for a scalar, "?" when even the rank is unknown.
std::string SignatureShapeToString(const engine::ValueInfo& info);

// Checks that `path` names a readable regular file, with a message saying what is wrong
// (missing, a directory, unreadable). `what` names the role ("model", "input file").
absl::Status CheckReadableFile(const std::string& path, const std::string& what);

// Loads the model at `path` with `threads` intra-op threads (0 = all cores), running the
// graph passes when `optimize`. Errors carry the path and keep the engine's code
// (Unimplemented for unsupported operators).
absl::StatusOr<std::unique_ptr<engine::Model>> LoadModel(const std::string& path, int threads,
                                                         bool optimize = true);
// As above, with every engine option given.
absl::StatusOr<std::unique_ptr<engine::Model>> LoadModel(const std::string& path,
                                                         const engine::ModelOptions& options);

// The text shown after "berth: " for a failed status: the message, or the code when the
// status has no message.
std::string ErrorText(const absl::Status& status);

// A status with the same code whose message is `prefix` + ": " + the original message.
absl::Status Annotate(const absl::Status& status, const std::string& prefix);

// As Annotate, unless the message already names `path` (the engine's file errors do): then
// `status` itself, to avoid saying the path twice.
absl::Status AnnotateUnlessNamed(const absl::Status& status, const std::string& path,
                                 const std::string& prefix);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_CLI_UTIL_H_
