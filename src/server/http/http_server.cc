#include "server/http/http_server.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "server/common/io_spin.h"
#include "server/common/listen.h"
#include "server/http/response_head.h"
#include "server/http/server_state.h"
#include "server/http/session.h"
#include "spdlog/spdlog.h"

namespace berth::server {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // The hint 1 tells each context one thread runs it (other threads may still post to it).
  for (int i = 0; i < std::max(1, threads); ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
  }
  return contexts;
}

// Runs `context` until it stops, polling for `spin` after the last handler before blocking.
void Run(asio::io_context& context, std::chrono::microseconds spin) {
  if (spin.count() == 0) {
    context.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_work = Clock::now();
  while (!context.stopped()) {
    if (context.poll() > 0) {
      last_work = TakeSkipSpin() ? Clock::time_point() : Clock::now();
    } else if (Clock::now() - last_work >= spin) {
      context.run_one();  // sleeps until the next handler, and runs it
      last_work = TakeSkipSpin() ? Clock::time_point() : Clock::now();
    }
  }
}

}  // namespace

HttpServer::State::State(int threads)
    : contexts(MakeContexts(threads)), acceptor(*contexts.front()) {
  for (auto& c : contexts) keep_running.push_back(asio::make_work_guard(*c));
}

bool HttpServer::State::Reserve() {
  std::lock_guard<std::mutex> lock(mu);
  if (open_sessions >= options.max_connections) return false;
  ++open_sessions;
  return true;
}

void HttpServer::State::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu);
  std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
  sessions.push_back(session);
}

void HttpServer::State::Remove() {
  std::lock_guard<std::mutex> lock(mu);
  --open_sessions;
  closed.notify_all();
}

namespace {

// Answers 503 (Unavailable's status) on a connection over the limit, as far as the socket takes it
// without waiting, and closes it.
void Refuse(asio::basic_stream_socket<tcp, HttpServer::State::Executor>& socket, int limit) {
  HttpReply reply = ErrorReply(absl::UnavailableError(
      absl::StrCat("the server has too many open connections (the limit is ", limit, ")")));
  std::string wire;
  WriteResponseHead(reply, false, &wire);
  wire += reply.body;
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(wire), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void Accept(HttpServer::State* state) {
  asio::io_context& context = *state->contexts[state->next_context++ % state->contexts.size()];
  state->acceptor.async_accept(
      context, [state](boost::system::error_code ec,
                       asio::basic_stream_socket<tcp, HttpServer::State::Executor> socket) {
        if (state->draining || !state->acceptor.is_open()) return;
        if (!ec) {
          boost::system::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          if (state->Reserve()) {
            auto session = std::make_shared<Session>(std::move(socket), state);
            state->Add(session);
            session->Start();
          } else {
            spdlog::warn("refused an HTTP connection: {} are open (--max-connections)",
                         state->options.max_connections);
            Refuse(socket, state->options.max_connections);
          }
        }
        // A failed accept (e.g. out of file descriptors) must not stop the listener.
        Accept(state);
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              serving::InferenceService* service) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->state_ = std::make_unique<State>(options.threads);
  State& state = *server->state_;
  state.options = options;
  state.service = service;
  if (absl::Status st = Listen(state.acceptor, options.host, options.port, "HTTP"); !st.ok()) {
    return st;
  }
  Accept(&state);
  for (auto& context : state.contexts) {
    state.threads.emplace_back([c = context.get(), spin = options.spin] { Run(*c, spin); });
  }
  return server;
}

HttpServer::~HttpServer() { Shutdown(std::chrono::steady_clock::now()); }

int HttpServer::port() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

bool HttpServer::Shutdown(std::chrono::steady_clock::time_point deadline) {
  State& state = *state_;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (state.stopped) return true;
    state.stopped = true;
  }
  state.draining = true;
  if (state.threads.empty()) {
    // Start failed before any I/O thread ran (its port was taken): nothing runs to drain,
    // and nothing would run a posted close.
    boost::system::error_code ec;
    state.acceptor.close(ec);
    return true;
  }
  // Closing on the I/O threads, where the acceptor's operations run.
  std::promise<void> closed_listener;
  asio::post(*state.contexts.front(), [&state, &closed_listener] {
    boost::system::error_code ec;
    state.acceptor.close(ec);
    closed_listener.set_value();
  });
  closed_listener.get_future().wait();
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    for (const auto& weak : state.sessions) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  for (const auto& s : sessions) s->CloseIfIdle();
  sessions.clear();
  bool drained;
  {
    std::unique_lock<std::mutex> lock(state.mu);
    drained = state.closed.wait_until(lock, deadline, [&] { return state.open_sessions == 0; });
  }
  for (auto& context : state.contexts) context->stop();
  for (std::thread& t : state.threads) t.join();
  return drained;
}

}  // namespace berth::server
