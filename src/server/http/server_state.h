// Internal to the HTTP front end: what the listener and every connection share.
#ifndef BERTH_SERVER_HTTP_SERVER_STATE_H_
#define BERTH_SERVER_HTTP_SERVER_STATE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "server/http/http_server.h"

namespace berth::server {

class Session;

struct HttpServer::State {
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

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;

  void Add(const std::shared_ptr<Session>& session);
  void Remove();  // called by ~Session
};

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_SERVER_STATE_H_
