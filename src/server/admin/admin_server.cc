#include "server/admin/admin_server.h"

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "server/common/listen.h"

namespace berth::server::admin {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {
class Connection;
}  // namespace

struct AdminServer::State {
  AdminServerOptions options;
  AdminApi* api = nullptr;
  asio::io_context context{1};
  tcp::acceptor acceptor{context};
  std::vector<std::weak_ptr<Connection>> connections;  // used on the I/O thread only
  bool stopped = false;                                // used on the I/O thread only
  std::thread thread;
  std::once_flag shutdown_once;
};

namespace {

constexpr std::chrono::seconds kLingerTime{5};

std::string Text(beast::string_view s) { return std::string(s.data(), s.size()); }

// One keep-alive connection; everything runs on the I/O thread.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, AdminServer::State* state)
      : stream_(std::move(socket)), state_(state) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(state_->options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      // Refused before the body is read: the token first, then the size.
      std::optional<AdminReply> refused =
          state_->api->Unauthorized(Text(parser_->get()[http::field::authorization]));
      if (refused) return Send(*refused, false, /*linger=*/true);
      return Refuse(413, absl::StrCat(R"({"error":"the request body is larger than )",
                                      state_->options.max_body_bytes, R"( bytes"})"));
    }
    if (ec == http::error::header_limit) {
      return Refuse(431, R"({"error":"the request headers are larger than 16 KiB"})");
    }
    if (ec) return Close();
    http::request<http::string_body> request = parser_->release();
    const AdminReply reply =
        state_->api->Handle(Text(request.method_string()), Text(request.target()),
                            Text(request[http::field::authorization]), request.body());
    Send(reply, request.keep_alive());
  }

  // Answers a request whose body was not read, then closes (after Linger).
  void Refuse(int status, std::string body) {
    AdminReply reply;
    reply.status = status;
    reply.body = std::move(body);
    Send(reply, false, /*linger=*/true);
  }

  // Sends `reply`; then reads the next request, or closes (with `linger`, after Linger).
  void Send(const AdminReply& reply, bool keep_alive, bool linger = false) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), 11);
    response->set(http::field::server, "berth");
    response->set(http::field::content_type, "application/json");
    if (!reply.allow.empty()) response->set(http::field::allow, reply.allow);
    if (reply.challenge) response->set(http::field::www_authenticate, "Bearer");
    response->body() = reply.body;
    response->keep_alive(keep_alive);
    response->prepare_payload();
    stream_.expires_after(state_->options.idle_timeout);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response, keep_alive, linger](beast::error_code ec, size_t) {
          if (!ec && linger) return self->Linger();
          if (ec || !keep_alive || self->state_->stopped) return self->Close();
          self->Read();
        });
  }

  // After a refusal sent before the body was read: stops sending, then reads and drops what
  // the client still sends for a while, so that it sees the answer instead of a reset.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kLingerTime);
    DrainUntilClosed();
  }

  void DrainUntilClosed() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();  // EOF, or the linger time is up
                              self->DrainUntilClosed();
                            });
  }

  beast::tcp_stream stream_;
  AdminServer::State* const state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 16 * 1024> drain_;
};

void Accept(AdminServer::State* state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (state->stopped || !state->acceptor.is_open()) return;
    if (!ec) {
      auto connection = std::make_shared<Connection>(std::move(socket), state);
      std::erase_if(state->connections, [](const auto& c) { return c.expired(); });
      state->connections.push_back(connection);
      connection->Read();
    }
    Accept(state);  // a failed accept (e.g. out of file descriptors) must not stop listening
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const AdminServerOptions& options,
                                                                AdminApi* api) {
  std::unique_ptr<AdminServer> server(new AdminServer());
  server->state_ = std::make_shared<State>();
  State& state = *server->state_;
  state.options = options;
  state.api = api;
  if (absl::Status st = Listen(state.acceptor, options.host, options.port, "admin API"); !st.ok()) {
    return st;
  }
  Accept(&state);
  state.thread = std::thread([&state] { state.context.run(); });
  return server;
}

AdminServer::~AdminServer() { Shutdown(); }

int AdminServer::port() const {
  beast::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

void AdminServer::Shutdown() {
  State& state = *state_;
  std::call_once(state.shutdown_once, [&state] {
    if (!state.thread.joinable()) return;  // Start failed before the thread began
    asio::post(state.context, [&state] {
      state.stopped = true;
      beast::error_code ignored;
      state.acceptor.close(ignored);
      for (const auto& weak : state.connections) {
        if (auto c = weak.lock()) c->Close();
      }
      state.context.stop();
    });
    state.thread.join();
  });
}

}  // namespace berth::server::admin
