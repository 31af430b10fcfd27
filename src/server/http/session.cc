#include "server/http/session.h"

#include <sys/socket.h>

#include <array>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "monitoring/access_log.h"
#include "server/common/io_spin.h"
#include "server/common/request_id.h"
#include "server/http/response_head.h"

namespace berth::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
// How far an idle deadline may lag behind (see RefreshIdleTimeout).
constexpr std::chrono::seconds kIdleTimeoutSlack{1};
// A connection keeps its reply buffer between requests unless it grew past this.
constexpr size_t kKeptReplyBytes = 1 << 20;
constexpr std::chrono::seconds kLingerTime{2};

// A refusal of the connection layer, whose status (413, 431, 503...) is the HTTP one itself
// rather than the mapping of a Status; the body is the protocol's error body all the same.
HttpReply Refusal(int status, const std::string& message) {
  HttpReply reply = ErrorReply(absl::UnknownError(message));
  reply.status = status;
  return reply;
}

std::optional<size_t> InferenceHeaderLength(const http::request<http::string_body>& req,
                                            bool* bad) {
  auto it = req.find("Inference-Header-Content-Length");
  if (it == req.end()) return std::nullopt;
  size_t n = 0;
  if (!absl::SimpleAtoi(absl::string_view(it->value().data(), it->value().size()), &n)) {
    *bad = true;
    return std::nullopt;
  }
  return n;
}

}  // namespace

Session::Session(Socket socket, HttpServer::State* state)
    : stream_(std::move(socket)), state_(state) {}

Session::~Session() { state_->Remove(); }

void Session::Start() {
  // The socket never blocks: Send tries a write at once and waits only for what is left.
  beast::error_code ec;
  stream_.socket().non_blocking(true, ec);
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void Session::CloseIfIdle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->busy_) self->Close();
  });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

void Session::Linger() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  auto drain = std::make_shared<std::array<char, 64 * 1024>>();
  stream_.expires_after(kLingerTime);
  idle_deadline_set_.reset();
  struct Reader {
    std::shared_ptr<Session> self;
    std::shared_ptr<std::array<char, 64 * 1024>> drain;
    void operator()(beast::error_code ec, size_t) {
      if (ec) return self->Close();  // EOF from the client, or the linger time is up
      self->stream_.async_read_some(asio::buffer(*drain), std::move(*this));
    }
  };
  stream_.async_read_some(asio::buffer(*drain), Reader{shared_from_this(), drain});
}

void Session::RefreshIdleTimeout() {
  // Moving the deadline re-arms the context's timer (a system call) when it is the earliest
  // one; on a busy connection it moves at most once a second, so the connection may be closed
  // up to a second before idle_timeout has fully passed.
  const auto now = std::chrono::steady_clock::now();
  if (idle_deadline_set_ && now - *idle_deadline_set_ < kIdleTimeoutSlack) return;
  stream_.expires_after(state_->options.idle_timeout);
  idle_deadline_set_ = now;
}

void Session::ClearTimeout() {
  stream_.expires_never();
  idle_deadline_set_.reset();
}

void Session::ReadHeader() {
  if (state_->draining) return Close();
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(state_->options.max_request_bytes);
  RefreshIdleTimeout();
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec == http::error::header_limit) {
    return SendAndClose(Refusal(431, "the request headers are larger than 16 KiB"));
  }
  if (ec == http::error::body_limit) {  // Content-Length above the limit, seen in the headers
    busy_ = true;
    return SendAndClose(Refusal(413, absl::StrCat("the request body is larger than the limit of ",
                                                  state_->options.max_request_bytes, " bytes")));
  }
  const bool parse_error =
      ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (parse_error) {
    // Bytes that are no HTTP request (a control byte in the target, a malformed line): say so
    // before closing, since the stream cannot be resynchronised.
    busy_ = true;
    return SendAndClose(ErrorReply(absl::InvalidArgumentError(
        absl::StrCat("the request is not valid HTTP/1.1 (", ec.message(), ")"))));
  }
  if (ec) return Close();  // the client closed or timed out, or the socket failed
  busy_ = true;
  request_start_ = std::chrono::steady_clock::now();
  const auto& req = parser_->get();
  if (state_->draining) {
    return SendAndClose(Refusal(503, "the server is shutting down"));
  }
  const auto length = parser_->content_length();
  if (length && *length > state_->options.max_request_bytes) {
    return SendAndClose(Refusal(
        413, absl::StrCat("the request body of ", *length, " bytes is larger than the limit of ",
                          state_->options.max_request_bytes, " bytes")));
  }
  auto expect = req.find(http::field::expect);
  if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
    auto cont =
        std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
    return http::async_write(stream_, *cont,
                             [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                               if (ec) return self->Close();
                               self->ReadBody();
                             });
  }
  ReadBody();
}

void Session::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return SendAndClose(Refusal(413, absl::StrCat("the request body is larger than the limit of ",
                                                  state_->options.max_request_bytes, " bytes")));
  }
  if (ec) return Close();
  Dispatch(parser_->release());
}

void Session::Dispatch(Request req) {
  const bool keep_alive = req.keep_alive();
  const std::string method(req.method_string());
  absl::StatusOr<RouteMatch> match =
      MatchRoute(method, absl::string_view(req.target().data(), req.target().size()));
  if (!match.ok()) {
    HttpReply reply = ErrorReply(match.status());
    if (absl::IsFailedPrecondition(match.status())) {
      reply.status = 405;
      reply.allow = method == "GET" ? "POST" : "GET";
    }
    return Send(std::move(reply), keep_alive);
  }
  HttpCall call;
  call.match = *std::move(match);
  if (call.match.route == Route::kInfer) {
    absl::Status ids = BeginInfer(req, &call);
    if (!ids.ok()) return Send(ErrorReply(ids), keep_alive);
  }
  bool bad_header = false;
  call.json_header_size = InferenceHeaderLength(req, &bad_header);
  if (bad_header) {
    return Send(Refusal(400, "Inference-Header-Content-Length is not a number"), keep_alive);
  }
  auto authorization = req.find(http::field::authorization);
  if (authorization != req.end()) call.authorization = std::string(authorization->value());
  auto encoding = req.find(http::field::content_encoding);
  if (encoding != req.end() && !beast::iequals(encoding->value(), "identity")) {
    return Send(Refusal(415, "compressed request bodies are not supported"), keep_alive);
  }
  call.body = std::move(req.body());
  serving::InferenceService& service = *state_->service;
  switch (call.match.route) {
    case Route::kInfer:
      return DispatchInfer(std::move(call), keep_alive);
    case Route::kFeedback:
      return Send(HandleFeedback(service, call), keep_alive);
    case Route::kRepositoryIndex:
    case Route::kRepositoryLoad:
    case Route::kRepositoryUnload:
      return Send(HandleRepositoryCall(service, state_->options.handlers, call), keep_alive);
    default:
      return Send(HandleModelCall(service, call), keep_alive);
  }
}

absl::Status Session::BeginInfer(const Request& req, HttpCall* call) {
  infer_.emplace();
  infer_->model = call->match.model;
  infer_->bytes_in = req.body().size();
  auto traceparent = req.find(kTraceparentHeader);
  if (traceparent != req.end()) {
    std::optional<absl::string_view> kept = ParseTraceparent(
        absl::string_view(traceparent->value().data(), traceparent->value().size()));
    if (kept) call->traceparent = infer_->traceparent = std::string(*kept);
  }
  std::optional<absl::string_view> header;
  auto given = req.find(kRequestIdHeader);
  if (given != req.end()) header = absl::string_view(given->value().data(), given->value().size());
  absl::StatusOr<std::string> request_id = ChooseRequestId("", header);
  if (!request_id.ok()) {
    infer_->request_id = GenerateRequestId();  // the refusal is known by an id of our own
    return request_id.status();
  }
  infer_->request_id = *std::move(request_id);
  return absl::OkStatus();
}

const std::string& Session::Peer() {
  if (peer_.empty()) {
    beast::error_code ec;
    const asio::ip::tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (ec) return peer_;
    const std::string address = peer.address().to_string();
    peer_ = peer.address().is_v6() ? absl::StrCat("[", address, "]:", peer.port())
                                   : absl::StrCat(address, ":", peer.port());
  }
  return peer_;
}

void Session::LogInferAccess(const HttpReply& reply, size_t bytes_out) {
  const std::string status = absl::StrCat(reply.status);
  monitoring::AccessRecord r;
  r.request_id = reply.request_id;
  r.protocol = "http";
  r.model = infer_->model;
  r.version = reply.model_version;
  r.status = status;
  r.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - request_start_)
                      .count();
  r.queue_us = reply.timing.queue_ns / 1000;
  r.compute_us = reply.timing.compute_ns / 1000;
  r.bytes_in = static_cast<int64_t>(infer_->bytes_in);
  r.bytes_out = static_cast<int64_t>(bytes_out);
  r.peer = Peer();
  r.traceparent = infer_->traceparent;
  monitoring::LogAccess(r);
}

void Session::DispatchInfer(HttpCall call, bool keep_alive) {
  const uint64_t id = ++request_id_;
  call.request_id = std::move(infer_->request_id);  // every infer reply carries it back
  cancelled_ = std::make_shared<std::atomic<bool>>(false);
  auto executor = stream_.get_executor();
  dispatching_ = true;
  HandleInfer(*state_->service, state_->options.handlers, std::move(call), cancelled_,
              [self = shared_from_this(), executor, id, keep_alive](HttpReply reply) {
                if (executor.running_in_this_thread() && self->dispatching_) {
                  self->sync_reply_ = std::move(reply);
                  return;
                }
                asio::post(executor, [self, id, keep_alive, reply = std::move(reply)]() mutable {
                  if (id == self->request_id_) self->Send(std::move(reply), keep_alive);
                });
              });
  dispatching_ = false;
  if (sync_reply_) {
    HttpReply reply = *std::move(sync_reply_);
    sync_reply_.reset();
    return Send(std::move(reply), keep_alive);
  }
  ClearTimeout();  // a queued request may wait as long as its own timeout says
  WatchForDisconnect();
  SkipSpinAfterThisEvent();  // the model runs elsewhere; its reply comes much later
}

void Session::WatchForDisconnect() {
  const uint64_t id = request_id_;
  stream_.socket().async_wait(
      asio::ip::tcp::socket::wait_read, [self = shared_from_this(), id](beast::error_code ec) {
        if (id != self->request_id_ || !self->busy_) return;  // that request was answered
        if (ec) {
          if (ec != asio::error::operation_aborted) self->cancelled_->store(true);
          return;
        }
        // Readable with nothing to read is the client's FIN; bytes would be a pipelined
        // request, which waits in the socket for its turn.
        char byte;
        const ssize_t n =
            ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) self->cancelled_->store(true);
      });
}

void Session::Send(HttpReply reply, bool keep_alive) {
  keep_alive = keep_alive && !state_->draining;
  if (infer_ && reply.request_id.empty()) reply.request_id = std::move(infer_->request_id);
  WriteResponseHead(reply, keep_alive, &out_head_);
  out_body_ = std::move(reply.body);
  RefreshIdleTimeout();
  // Whether the request's body is still unread (a refusal sent after the headers only).
  const bool body_unread = parser_ && !parser_->is_done();
  std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_), asio::buffer(out_body_)};
  // Most replies fit the socket's send buffer: written now, the connection goes straight on
  // to the next request instead of through one more turn of the event loop.
  beast::error_code ec;
  size_t written = stream_.socket().write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    written = 0;
  }
  // The reply is on its way (or failed): its access line goes out now, after the client's
  // bytes, so the log costs the client no latency.
  if (infer_) {
    if (monitoring::AccessLogEnabled()) LogInferAccess(reply, out_body_.size());
    infer_.reset();
  }
  if (ec || written == out_head_.size() + out_body_.size()) {
    return OnWritten(ec, keep_alive, body_unread);
  }
  auto rest = beast::buffers_suffix<std::array<asio::const_buffer, 2>>(buffers);
  rest.consume(written);
  asio::async_write(
      stream_, rest,
      [self = shared_from_this(), keep_alive, body_unread](beast::error_code ec, size_t) {
        self->OnWritten(ec, keep_alive, body_unread);
      });
}

void Session::OnWritten(beast::error_code ec, bool keep_alive, bool body_unread) {
  busy_ = false;
  if (out_body_.capacity() > kKeptReplyBytes) std::string().swap(out_body_);
  if (!ec && body_unread) return Linger();
  if (ec || !keep_alive) return Close();
  ReadHeader();
}

}  // namespace berth::server
