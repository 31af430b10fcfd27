// What the Beast listeners (the inference front end and the management API) share: opening
// a listening socket and splitting a request path into its segments.
#ifndef BERTH_SERVER_COMMON_LISTEN_H_
#define BERTH_SERVER_COMMON_LISTEN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/tcp.hpp"

namespace berth::server {

// Opens `acceptor` on `host`:`port` (0: any free port) with SO_REUSEADDR and listens.
// Unavailable naming `what` ("HTTP", "admin API") and the address when it cannot be resolved
// or bound.
absl::Status Listen(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, int port,
                    absl::string_view what);

// The segments of a request target's path (the query, after '?', is dropped; a trailing '/'
// is ignored). InvalidArgument when it does not start with '/' or holds empty, "." or ".."
// segments. The views point into `target`.
absl::StatusOr<std::vector<absl::string_view>> SplitRequestPath(absl::string_view target);

}  // namespace berth::server

#endif  // BERTH_SERVER_COMMON_LISTEN_H_
