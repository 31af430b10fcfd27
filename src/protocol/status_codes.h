// The one mapping from berth's errors (absl::Status) to what the front ends answer: an HTTP
// status with the body {"error": "..."}, and a gRPC status code. Handlers never choose codes
// themselves, so HTTP and gRPC always agree.
#ifndef BERTH_PROTOCOL_STATUS_CODES_H_
#define BERTH_PROTOCOL_STATUS_CODES_H_

#include <string>

#include "absl/status/status.h"

namespace berth::protocol {

// The HTTP status for `status`, as Triton answers: 200 for OK, 400 for a bad request
// (InvalidArgument, FailedPrecondition, OutOfRange), 404 for an unknown model or version
// (NotFound), 503 when the server cannot take the request now (Unavailable, ResourceExhausted:
// a full queue, not ready, shutting down), 504 for DeadlineExceeded (the request's timeout),
// 401/403 for Unauthenticated/PermissionDenied, 409 for AlreadyExists, 501 for
// Unimplemented, 500 for everything else.
int HttpStatusFor(const absl::Status& status);

// The gRPC status code (grpc::StatusCode's value) for `status`: absl's canonical codes are
// gRPC's, number for number.
int GrpcCodeFor(const absl::Status& status);

// The protocol's error body: {"error": "<message>"}, the message JSON-escaped (the code's name
// when the message is empty).
std::string ErrorJson(const absl::Status& status);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_STATUS_CODES_H_
