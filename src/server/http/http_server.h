// The HTTP/1.1 front end (Boost.Beast on Asio): keep-alive connections served by a small
// pool of I/O threads, each connection on its own strand. Requests are read with a bound on
// the body (413 as soon as the headers announce too much, before any body byte is read),
// routed (router.h) and handed to the handlers; infer calls complete asynchronously, so no
// I/O thread waits while a request is queued or running, and a client that disconnects while
// its request waits cancels it.
//
// Thread safety: Start and Shutdown may be called from any thread; Shutdown once.
#ifndef BERTH_SERVER_HTTP_HTTP_SERVER_H_
#define BERTH_SERVER_HTTP_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/http/handlers.h"
#include "serving/inference_service.h"

namespace berth::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port (see HttpServer::port)
  int threads = 1;  // I/O threads
  // After handling work, an I/O thread keeps polling its connections this long before it
  // sleeps: a client that sends its next request within that time finds the thread awake
  // (a sleeping thread's wake-up costs tens of microseconds on a VM). 0: sleep at once.
  std::chrono::microseconds spin{0};
  uint64_t max_request_bytes = uint64_t{64} << 20;
  // Connections open at once; one more is answered 503 and closed.
  int max_connections = 1000;
  // How long a connection may sit idle between requests, or take to send one, before it is
  // closed (slow clients cannot hold connections forever).
  std::chrono::seconds idle_timeout{60};
  HandlerOptions handlers;
};

class HttpServer {
 public:
  // Binds host:port and starts the I/O threads. `service` must outlive the server. Fails
  // with Unavailable naming the address when it cannot be resolved or bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           serving::InferenceService* service);
  // Shutdown(now) if it has not run.
  ~HttpServer();

  int port() const;

  // Stops accepting connections at once; idle connections close; each busy one closes after
  // sending the response of the request it is handling. Waits until every connection has
  // closed or `deadline` passes, then stops the I/O threads (closing what is left). Returns
  // whether every connection closed in time.
  bool Shutdown(std::chrono::steady_clock::time_point deadline);

  struct State;  // shared with the connections (http_server.cc)

 private:
  HttpServer() = default;
  std::unique_ptr<State> state_;
};

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_HTTP_SERVER_H_
