// The management API's handling of one request: the bearer token first, then the route
// (admin_router.h), then the body (admin_request.h), and only then one call of the registry,
// answered with the same JSON objects the CLI's --json prints (registry/record_json.h).
// Errors are {"error": "..."} with the status of protocol/status_codes.h; a call without the
// token is 401 whatever it asks for, and a refused call changes nothing.
//
// Thread safety: Handle may be called from any thread; the registry (one database
// connection) is used under a mutex.
#ifndef BERTH_SERVER_ADMIN_ADMIN_API_H_
#define BERTH_SERVER_ADMIN_ADMIN_API_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/registry.h"
#include "server/admin/admin_router.h"

namespace berth::server::admin {

struct AdminReply {
  int status = 200;
  std::string body;        // JSON
  std::string allow;       // the Allow header of a 405
  bool challenge = false;  // a 401: send "WWW-Authenticate: Bearer"
};

class AdminApi {
 public:
  // `registry` is the API's own (not shared with any other thread). InvalidArgument when
  // `token` is empty: the API never runs unauthenticated.
  static absl::StatusOr<std::unique_ptr<AdminApi>> Create(
      std::unique_ptr<registry::Registry> registry, std::string token);

  AdminReply Handle(absl::string_view method, absl::string_view target,
                    absl::string_view authorization, absl::string_view body);

  // The 401 reply for a call whose `authorization` header is not the token, or none (the
  // listener asks before refusing a body that is too large, so that a call without the
  // token is 401 whatever else is wrong with it).
  std::optional<AdminReply> Unauthorized(absl::string_view authorization) const;

 private:
  AdminApi(std::unique_ptr<registry::Registry> registry, std::string token)
      : registry_(std::move(registry)), token_(std::move(token)) {}

  // The JSON answer of a matched, authenticated call; called with mu_ held.
  absl::StatusOr<std::string> Answer(const AdminRouteMatch& match, absl::string_view body);

  std::mutex mu_;
  std::unique_ptr<registry::Registry> registry_;  // guarded by mu_
  const std::string token_;
};

}  // namespace berth::server::admin

#endif  // BERTH_SERVER_ADMIN_ADMIN_API_H_
