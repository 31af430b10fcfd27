// The JSON bodies of the protocol's metadata endpoints: server metadata, model metadata and
// the repository index (the model repository extension).
#ifndef BERTH_PROTOCOL_METADATA_JSON_H_
#define BERTH_PROTOCOL_METADATA_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"

namespace berth::protocol {

// The protocol datatype of a declared tensor; InvalidArgument naming the tensor.
absl::StatusOr<std::string> TensorDatatype(const engine::ValueInfo& tensor);

// The shape metadata shows for a declared tensor: -1 for a symbolic or unknown dim, and [-1]
// for a tensor of unknown rank.
std::vector<int64_t> MetadataShape(const engine::ValueInfo& tensor);

// {"name": ..., "version": ..., "extensions": [...]}.
std::string ServerMetadataJson(const std::string& name, const std::string& version,
                               const std::vector<std::string>& extensions);

struct ModelMetadata {
  std::string name;
  std::vector<int64_t> versions;  // the ready versions, ascending
  std::string platform;           // e.g. "berth_onnx"
  std::vector<engine::ValueInfo> inputs, outputs;
};

// {"name", "versions": ["1", ...], "platform", "inputs": [{"name", "datatype", "shape"}],
// "outputs": [...]}: versions as strings, as the protocol has them; a symbolic or unknown dim
// is -1, and a tensor of unknown rank shows the shape [-1]. Fails with InvalidArgument naming
// the tensor when its type has no protocol datatype.
absl::StatusOr<std::string> ModelMetadataJson(const ModelMetadata& metadata);

struct IndexEntry {
  std::string name;
  int64_t version = 0;  // 0: none loaded (shown as "")
  std::string state;   // "READY", "LOADING", "UNLOADING", "FAILED"
  std::string reason;  // empty unless there is one
};

// [{"name", "version", "state", "reason"}, ...] ("reason" only when non-empty).
std::string RepositoryIndexJson(const std::vector<IndexEntry>& entries);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_METADATA_JSON_H_
