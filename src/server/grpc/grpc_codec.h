// Translation between the gRPC messages of the protocol (proto/grpc_service.proto) and
// berth's transport-free request and response types (protocol/infer_types.h).
#ifndef BERTH_SERVER_GRPC_GRPC_CODEC_H_
#define BERTH_SERVER_GRPC_GRPC_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/names.h"
#include "grpc_service.pb.h"
#include "protocol/infer_types.h"

namespace berth::server {

// The version field of a request: "" is the default version, digits a version number,
// anything else an alias (common/names.h's ParseVersionRef); InvalidArgument naming the text
// otherwise.
absl::StatusOr<VersionRef> ParseVersionField(const std::string& text);

// The request's inputs from their typed `contents` or from `raw_input_contents` (one entry
// per input, in order; all inputs raw or none), its requested outputs and its "timeout"
// parameter (int64 microseconds). InvalidArgument naming the input for an unknown datatype,
// a shape with negative dims or more elements than the limit, contents of the wrong kind or
// count, FP16/BF16 given as typed contents (they have none), raw bytes that do not match the
// shape, a mix of raw and typed inputs or a raw count that differs from the input count,
// and duplicate names.
absl::StatusOr<protocol::InferRequest> DecodeInferRequest(const inference::ModelInferRequest& req,
                                                          const protocol::RequestLimits& limits);

// The response with every output in raw_output_contents (as Triton answers).
// InvalidArgument for an output type the protocol cannot carry.
absl::Status EncodeInferResponse(const protocol::InferResponse& response,
                                 inference::ModelInferResponse* out);

}  // namespace berth::server

#endif  // BERTH_SERVER_GRPC_GRPC_CODEC_H_
