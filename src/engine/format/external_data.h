// Safe reading of tensor data stored beside a model (ONNX "external data").
#ifndef BERTH_ENGINE_FORMAT_EXTERNAL_DATA_H_
#define BERTH_ENGINE_FORMAT_EXTERNAL_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth::engine {

struct ExternalDataRef {
  std::string location;  // as written in the model: relative to the model's folder
  uint64_t offset = 0;
  int64_t length = -1;  // -1: to the end of the file
};

// Reads the bytes `ref` names, after checking, before any read, that: the location is a
// non-empty relative path; once canonicalised it stays inside `model_dir`; the file is a
// regular file and not a symlink (nor reached through one inside the folder); and
// offset + length lies inside the file. `expected_bytes` is what the tensor's dims need: a
// different length is refused. Every failure is InvalidArgument naming `tensor_name`.
absl::StatusOr<std::string> ReadExternalData(const ExternalDataRef& ref,
                                             const std::string& model_dir,
                                             const std::string& tensor_name,
                                             uint64_t expected_bytes);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_FORMAT_EXTERNAL_DATA_H_
