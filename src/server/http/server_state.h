// Internal to the HTTP front end: what the listener and every connection share.
#ifndef BERTH_SERVER_HTTP_SERVER_STATE_H_
#define BERTH_SERVER_HTTP_SERVER_STATE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "server/http/http_server.h"

namespace berth::server {

class Session;

struct HttpServer::State {
  // One io_context for each of `threads` I/O threads (at least one).
  explicit State(int threads);

  HttpServerOptions options;
  serving::InferenceService* service = nullptr;

  // Declared before the I/O context: destroying the context destroys the sessions its
  // pending handlers hold, and each session reports its end here.
  std::mutex mu;
  std::condition_variable closed;                // a session ended
  std::vector<std::weak_ptr<Session>> sessions;  // guarded by mu; expired ones pruned on add
  int open_sessions = 0;                         // guarded by mu
  bool stopped = false;                          // guarded by mu
  std::atomic<bool> draining{false};

  // One io_context per I/O thread, each run by its thread alone: a connection lives on one
  // of them (given round-robin at accept), so its handlers never run concurrently and need
  // no strand. The work guards keep a context without connections running.
  using Executor = boost::asio::io_context::executor_type;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  std::vector<boost::asio::executor_work_guard<Executor>> keep_running;
  boost::asio::ip::tcp::acceptor acceptor;  // on contexts[0]
  size_t next_context = 0;                  // used only by the acceptor's handler
  std::vector<std::thread> threads;

  // Counts one more connection in, unless max_connections are open already (then false).
  bool Reserve();
  // Registers the session of a reserved connection (for shutdown).
  void Add(const std::shared_ptr<Session>& session);
  void Remove();  // called by ~Session
};

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_SERVER_STATE_H_
