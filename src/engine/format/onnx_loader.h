// Turns ONNX bytes into the engine's graph IR, refusing what the engine cannot run.
#ifndef BERTH_ENGINE_FORMAT_ONNX_LOADER_H_
#define BERTH_ENGINE_FORMAT_ONNX_LOADER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"

namespace berth::engine {

// The newest default-domain opset the engine implements.
inline constexpr int64_t kMaxDefaultOpset = 21;
// The oldest IR version accepted (IR 3 introduced opset imports).
inline constexpr int64_t kMinIrVersion = 3;

// Parses and converts a serialized ModelProto. External tensor data is read from
// `external_data_dir` (empty: refused). The result's nodes are topologically sorted.
// Fails with InvalidArgument for bytes that are not a model or a graph that is malformed
// (cycle, a value read before it is produced or never produced, duplicate outputs, bad
// tensors), and with Unimplemented for an opset newer than supported, an IR version older
// than 3, or non-tensor graph inputs/outputs, naming what was refused.
absl::StatusOr<ModelGraph> ParseOnnxModel(std::string_view bytes,
                                          const std::string& external_data_dir);

// As ParseOnnxModel, streaming from the file at `path` (at most `max_bytes`) so that the
// file's bytes and the parsed model are never both in memory; external data is read from
// the file's folder.
absl::StatusOr<ModelGraph> ParseOnnxModelFile(const std::string& path, uint64_t max_bytes);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_FORMAT_ONNX_LOADER_H_
