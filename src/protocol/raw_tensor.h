// The raw byte form of a tensor that both binary transports use: the HTTP binary tensor
// extension and gRPC's raw_input_contents / raw_output_contents. Elements are little-endian
// in row-major order; a BYTES element is a 4-byte little-endian length and then its bytes.
#ifndef BERTH_PROTOCOL_RAW_TENSOR_H_
#define BERTH_PROTOCOL_RAW_TENSOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"

namespace berth::protocol {

// The tensor of `dtype` and `shape` (of `count` elements, already checked) held in `bytes`.
// The size is checked before anything is allocated. InvalidArgument starting with `where`
// (e.g. "input 'x'"), where `size_name` names the size in the message (e.g.
// "binary_data_size 4"), when the bytes do not match the shape or a BYTES element is cut
// short or followed by stray bytes.
absl::StatusOr<engine::Tensor> TensorFromRawBytes(absl::string_view bytes,
                                                  engine::DataType dtype,
                                                  const engine::Shape& shape, int64_t count,
                                                  const std::string& where,
                                                  const std::string& size_name);

// Appends the tensor's raw bytes to *out and returns how many.
size_t AppendRawBytes(const engine::Tensor& t, std::string* out);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_RAW_TENSOR_H_
