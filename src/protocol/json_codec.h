// The HTTP/JSON form of the Open Inference Protocol's infer request and response, with the
// binary tensor data extension: an input whose parameters carry "binary_data_size" takes that
// many bytes, in order, from the bytes that follow the JSON header in the body
// (Inference-Header-Content-Length); an output asked for with "binary_data": true (or all of
// them with the request parameter "binary_data_output": true) is returned the same way.
// BYTES elements in binary form are each a 4-byte little-endian length and the bytes.
#ifndef BERTH_PROTOCOL_JSON_CODEC_H_
#define BERTH_PROTOCOL_JSON_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "protocol/infer_types.h"

namespace berth::protocol {

// Parses an infer request. `json` is the JSON header, `binary` the body's remaining bytes
// (empty without the extension). Fails with InvalidArgument naming what was wrong and where
// (the input's name for its datatype, shape, data or byte size; duplicate names; data that
// does not match the shape; binary bytes no input claims; nesting deeper than the limit).
// Unknown keys are ignored, as the protocol's extensions may add some. Numbers: integers in
// the int64/uint64 range exactly, the rest correctly rounded to double (std::from_chars);
// FP32/FP16/BF16 data through that double. Inputs' "data" values are read from the text
// straight into the tensor (json_data_text.h), with the results and errors of
// ParseInferRequestJsonDom below.
absl::StatusOr<InferRequest> ParseInferRequestJson(absl::string_view json, absl::string_view binary,
                                                   const RequestLimits& limits);

// ParseInferRequestJson without its fast reader of "data" values (json_data_text.h): every
// element a RapidJSON value. The reference the fast reader is tested against (it gives the
// same result or the same error for every input) and the path it falls back to.
absl::StatusOr<InferRequest> ParseInferRequestJsonDom(absl::string_view json,
                                                      absl::string_view binary,
                                                      const RequestLimits& limits);

// Encodes a response: returns the JSON; outputs marked binary append their bytes to *binary
// in order and carry "binary_data_size" instead of "data". Floats are written exactly
// (shortest round-trip form); NaN and infinities as NaN, Infinity, -Infinity. Fails with
// InvalidArgument for a tensor type the protocol cannot carry.
absl::StatusOr<std::string> EncodeInferResponseJson(const InferResponse& response,
                                                    std::string* binary);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_JSON_CODEC_H_
