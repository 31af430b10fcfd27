// Request ids and trace context, as both front ends read them from a request.
//
// A request is known (in the logs, the canary split, feedback) by its request id: the body's
// `id` when it has one, else the client's x-request-id header (HTTP) or metadata (gRPC), else
// one generated here. Ids from a client are bounded and printable, so that they can go into a
// response header and a log line as they are.
#ifndef BERTH_SERVER_COMMON_REQUEST_ID_H_
#define BERTH_SERVER_COMMON_REQUEST_ID_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::server {

// The header (HTTP) and metadata key (gRPC) names, lower case as gRPC wants them.
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kTraceparentHeader[] = "traceparent";

inline constexpr size_t kMaxRequestIdLength = 128;

// Ok when `id` has 1 to kMaxRequestIdLength characters, each printable ASCII (0x20-0x7E);
// else InvalidArgument naming `what` (e.g. "the x-request-id header") and what is wrong.
absl::Status ValidateRequestId(absl::string_view id, absl::string_view what);

// 128 random bits as 32 lower-case hex digits, from a generator per thread seeded once
// (no system call per id).
std::string GenerateRequestId();

// The request id: `body_id` when not empty, else `header` when the client sent one, else a
// generated one. A body id or header that fails ValidateRequestId is an InvalidArgument
// error naming it.
absl::StatusOr<std::string> ChooseRequestId(absl::string_view body_id,
                                            std::optional<absl::string_view> header);

// The W3C trace context `traceparent` value to keep, when `value` is well formed:
// version-traceid-parentid-flags, 2-32-16-2 lower-case hex digits, version not ff, trace and
// parent ids not all zeros. Version 00 must be exactly that long; a later version may carry
// more after a '-', and only its first 55 characters (the version 00 fields) are kept. A
// malformed value gives nullopt: the spec says to ignore it.
std::optional<absl::string_view> ParseTraceparent(absl::string_view value);

}  // namespace berth::server

#endif  // BERTH_SERVER_COMMON_REQUEST_ID_H_
