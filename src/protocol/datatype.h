// The Open Inference Protocol's tensor datatypes ("FP32", "INT64", "BYTES", ...) and how they
// meet the engine's types. Shared by the HTTP and gRPC front ends, so both refuse the same
// things with the same words.
#ifndef BERTH_PROTOCOL_DATATYPE_H_
#define BERTH_PROTOCOL_DATATYPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"

namespace berth::protocol {

// The engine type of a protocol datatype: BOOL, UINT8/16/32/64, INT8/16/32/64, FP16, BF16,
// FP32, FP64, BYTES (strings). Fails with InvalidArgument naming the unknown name and listing
// the known ones (case matters, as in the protocol).
absl::StatusOr<engine::DataType> ParseDatatype(absl::string_view name);

// The protocol name of an engine type; fails with InvalidArgument for the engine types the
// protocol cannot carry (complex, 8-bit floats, 4-bit ints...), naming the type.
absl::StatusOr<std::string> DatatypeName(engine::DataType type);
// As DatatypeName, the error prefixed with `what` (e.g. "output 'y'").
absl::StatusOr<std::string> DatatypeNameFor(engine::DataType type, absl::string_view what);

// The number of elements of `shape`: every dim must be >= 0, and the product must neither
// overflow nor exceed `max_elements`. Fails with InvalidArgument naming `what` (e.g.
// "input 'x'") and the shape.
absl::StatusOr<int64_t> CheckedElementCount(absl::Span<const int64_t> shape,
                                            int64_t max_elements, const std::string& what);

// `given` as the model input `name` of type `wanted` takes it: unchanged when the types
// agree; FP16 and BF16 converted to FP32 where the model wants float (clients send half
// precision to save bandwidth); anything else refused with InvalidArgument naming the input,
// the type the model expects and the type that came.
absl::StatusOr<engine::Tensor> ConvertInput(const std::string& name, engine::Tensor given,
                                            engine::DataType wanted);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_DATATYPE_H_
