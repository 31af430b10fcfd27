#include "server/admin/admin_server.h"

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
      Reply(413,
            absl::StrCat(R"({"error":"the request body is larger than )",
                         state_->options.max_body_bytes, R"( bytes"})"),
            false);
      return;
    }
    if (ec == http::error::header_limit) {
      Reply(431, R"({"error":"the request headers are larger than 16 KiB"})", false);
      return;
    }
    if (ec) return Close();
    http::request<http::string_body> request = parser_->release();
    const AdminReply reply =
        state_->api->Handle(Text(request.method_string()), Text(request.target()),
                            Text(request[http::field::authorization]), request.body());
    Send(reply, request.keep_alive());
  }

  void Reply(int status, std::string body, bool keep_alive) {
    AdminReply reply;
    reply.status = status;
    reply.body = std::move(body);
    Send(reply, keep_alive);
  }

  void Send(const AdminReply& reply, bool keep_alive) {
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
        [self = shared_from_this(), response, keep_alive](beast::error_code ec, size_t) {
          if (ec || !keep_alive || self->state_->stopped) return self->Close();
          self->Read();
        });
  }

  beast::tcp_stream stream_;
  AdminServer::State* const state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
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

absl::Status Bind(AdminServer::State& state) {
  const AdminServerOptions& o = state.options;
  const std::string where = absl::StrCat(o.host, ":", o.port);
  beast::error_code ec;
  tcp::resolver resolver(state.context);
  auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve the admin address ", where, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  state.acceptor.open(endpoint.protocol(), ec);
  if (!ec) state.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state.acceptor.bind(endpoint, ec);
  if (!ec) state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for the admin API on ", where, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const AdminServerOptions& options,
                                                                AdminApi* api) {
  std::unique_ptr<AdminServer> server(new AdminServer());
  server->state_ = std::make_shared<State>();
  State& state = *server->state_;
  state.options = options;
  state.api = api;
  if (absl::Status st = Bind(state); !st.ok()) return st;
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
