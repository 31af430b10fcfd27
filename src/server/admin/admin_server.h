// The management API's own HTTP/1.1 listener (`berth serve --admin-port`), apart from the
// inference listener so that it can sit on another port (loopback by default) and never
// competes with inference for its I/O threads. One I/O thread serves keep-alive
// connections; each request is read whole (413 past `max_body_bytes`, announced or not),
// answered by AdminApi::Handle on that thread (a registry call is short), and written back.
//
// Thread safety: Start and Shutdown may be called from any thread; Shutdown once.
#ifndef BERTH_SERVER_ADMIN_ADMIN_SERVER_H_
#define BERTH_SERVER_ADMIN_ADMIN_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_request.h"

namespace berth::server::admin {

struct AdminServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see AdminServer::port)
  uint64_t max_body_bytes = kMaxJsonBodyBytes;
  // How long a connection may sit idle or take to send a request before it is closed.
  std::chrono::seconds idle_timeout{60};
};

class AdminServer {
 public:
  // Binds host:port and starts the I/O thread. `api` must outlive the server. Unavailable
  // naming the address when it cannot be resolved or bound.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const AdminServerOptions& options,
                                                            AdminApi* api);
  // Shutdown() if it has not run.
  ~AdminServer();

  int port() const;

  // Stops accepting, closes every connection (a call being answered finishes first: it runs
  // on the I/O thread) and joins the I/O thread.
  void Shutdown();

  struct State;  // shared with the connections (admin_server.cc)

 private:
  AdminServer() = default;
  std::shared_ptr<State> state_;
};

}  // namespace berth::server::admin

#endif  // BERTH_SERVER_ADMIN_ADMIN_SERVER_H_
