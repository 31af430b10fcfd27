// Authentication of management calls (the repository API's load and unload), shared by the
// HTTP and gRPC front ends so that both accept and refuse the same things.
//
// With a token configured (`berth serve --admin-token-file`), a management call must carry
// "Authorization: Bearer <token>" (HTTP header; gRPC metadata key "authorization"). Without
// one, `berth serve` only allows the repository API on a loopback address.
#ifndef BERTH_SERVER_COMMON_ADMIN_AUTH_H_
#define BERTH_SERVER_COMMON_ADMIN_AUTH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::server {

// OK when `token` is empty (no token configured) or `authorization` is exactly
// "Bearer <token>" (compared in constant time). Unauthenticated otherwise, saying what was
// missing, never echoing what came.
absl::Status CheckAdminToken(absl::string_view authorization, const std::string& token);

// Reads a token file: its first line, surrounding blanks trimmed. InvalidArgument naming the
// file when it is missing, unreadable, larger than 4 KiB, empty, or holds control bytes.
absl::StatusOr<std::string> ReadAdminToken(const std::string& path);

}  // namespace berth::server

#endif  // BERTH_SERVER_COMMON_ADMIN_AUTH_H_
