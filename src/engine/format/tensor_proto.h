// Conversion between engine tensors and ONNX TensorProto (the .pb files of ONNX's test data,
// initializers, Constant values).
#ifndef BERTH_ENGINE_FORMAT_TENSOR_PROTO_H_
#define BERTH_ENGINE_FORMAT_TENSOR_PROTO_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"

namespace onnx {
class TensorProto;
}  // namespace onnx

namespace berth::engine {

// Reads the values of `proto` (raw_data or the typed fields). Tensors whose data lives in an
// external file are read from `external_data_dir` under the rules of ReadExternalData; an
// empty dir refuses them. Fails with InvalidArgument naming the tensor when the type is
// unknown or the data does not match the dims.
absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto,
                                       const std::string& external_data_dir = "");

// As TensorFromProto, but takes the raw_data bytes out of `proto` instead of copying them
// (the proto's raw_data is empty afterwards).
absl::StatusOr<Tensor> TakeTensorFromProto(onnx::TensorProto& proto,
                                           const std::string& external_data_dir);

// Parses a serialized TensorProto (a .pb file's contents) and converts it.
absl::StatusOr<Tensor> TensorFromProtoBytes(std::string_view bytes);

// Converts to a TensorProto with raw_data (strings in string_data), named `name`.
absl::Status TensorToProto(const Tensor& tensor, const std::string& name,
                           onnx::TensorProto* proto);

// Serializes TensorToProto's result.
absl::StatusOr<std::string> TensorToProtoBytes(const Tensor& tensor, const std::string& name);

// Reads a .pb file holding one TensorProto. Also returns its name in `name` if non-null.
absl::StatusOr<Tensor> ReadTensorFile(const std::string& path, std::string* name = nullptr);

// Writes `tensor` to `path` as a serialized TensorProto named `name`.
absl::Status WriteTensorFile(const Tensor& tensor, const std::string& name,
                             const std::string& path);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_FORMAT_TENSOR_PROTO_H_
