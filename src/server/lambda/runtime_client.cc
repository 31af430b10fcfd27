#include "server/lambda/runtime_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::server::lambda {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr char kApiPrefix[] = "/2018-06-01/runtime";
// Answers of the API other than events (202 Accepted, short error bodies) are small.
constexpr uint64_t kMaxReplyBytes = 64 << 10;

absl::Status Failed(absl::string_view step, const beast::error_code& ec) {
  return absl::UnavailableError(
      absl::StrCat("Lambda Runtime API: cannot ", step, ": ", ec.message()));
}

// The id goes into the URL path of the answer: only characters that need no escaping and
// cannot make a path segment of their own.
bool IsSafeRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

class RuntimeClient::Impl {
 public:
  Impl(std::string host, std::string port, std::chrono::milliseconds post_timeout)
      : host_(std::move(host)), port_(std::move(port)), post_timeout_(post_timeout) {}

  absl::Status Resolve() {
    beast::error_code ec;
    tcp::resolver resolver(context_);
    endpoints_ = resolver.resolve(host_, port_, ec);
    if (ec) return Failed(absl::StrCat("resolve ", host_), ec);
    return absl::OkStatus();
  }

  absl::StatusOr<Invocation> Next(uint64_t max_event_bytes) {
    tcp::socket socket(context_);
    beast::error_code ec;
    asio::connect(socket, endpoints_, ec);
    if (ec) return Failed("connect", ec);
    http::request<http::empty_body> request(http::verb::get,
                                            absl::StrCat(kApiPrefix, "/invocation/next"), 11);
    request.set(http::field::host, host_);
    http::write(socket, request, ec);
    if (ec) return Failed("send the next-invocation request", ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 << 10);
    http::read_header(socket, buffer, parser, ec);
    if (ec) return Failed("read the next invocation's head", ec);
    const auto& head = parser.get();
    if (head.result() != http::status::ok) {
      return absl::UnavailableError(absl::StrCat(
          "Lambda Runtime API: the next invocation came with status ", head.result_int()));
    }
    Invocation out;
    out.request_id = std::string(head["Lambda-Runtime-Aws-Request-Id"]);
    if (!IsSafeRequestId(out.request_id)) {
      return absl::UnavailableError(
          "Lambda Runtime API: the next invocation has no valid Lambda-Runtime-Aws-Request-Id "
          "(1 to 256 letters, digits, '-' or '_')");
    }
    const auto deadline = head["Lambda-Runtime-Deadline-Ms"];
    if (!deadline.empty() &&
        !absl::SimpleAtoi(absl::string_view(deadline.data(), deadline.size()), &out.deadline_ms)) {
      out.deadline_ms = 0;
    }
    const auto length = parser.content_length();
    if (length && *length > max_event_bytes) {
      out.too_large = true;
      return out;  // the connection closes unread
    }
    parser.body_limit(max_event_bytes);
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      out.too_large = true;
      return out;
    }
    if (ec) return Failed("read the event", ec);
    out.event = std::move(parser.get().body());
    return out;
  }

  // Connects, sends and reads the answer, all within the post timeout (beast::tcp_stream's
  // timer closes the socket when it passes: the step then fails with beast::error::timeout).
  absl::Status Post(const std::string& target, const std::string& body,
                    absl::string_view error_type) {
    beast::tcp_stream stream(context_);
    stream.expires_after(post_timeout_);
    beast::error_code ec = Run([&](auto done) { stream.async_connect(endpoints_, done); });
    if (ec) return Failed("connect", ec);
    http::request<http::string_body> request(http::verb::post, target, 11);
    request.set(http::field::host, host_);
    request.set(http::field::content_type, "application/json");
    if (!error_type.empty()) {
      request.set("Lambda-Runtime-Function-Error-Type",
                  beast::string_view(error_type.data(), error_type.size()));
    }
    request.body() = body;
    request.prepare_payload();
    ec = Run([&](auto done) { http::async_write(stream, request, done); });
    if (ec) return Failed(absl::StrCat("send POST ", target), ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    ec = Run([&](auto done) { http::async_read(stream, buffer, parser, done); });
    if (ec) return Failed(absl::StrCat("read the answer to POST ", target), ec);
    const unsigned status = parser.get().result_int();
    if (status / 100 != 2) {
      return absl::FailedPreconditionError(
          absl::StrCat("Lambda Runtime API answered POST ", target, " with status ", status));
    }
    return absl::OkStatus();
  }

 private:
  // Starts one asynchronous step (`start` is given its completion handler) and runs the
  // context until it completes; returns its error.
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, const auto&) { result = ec; });
    context_.restart();
    context_.run();
    return result;
  }

  const std::string host_;
  const std::string port_;
  const std::chrono::milliseconds post_timeout_;
  asio::io_context context_;
  tcp::resolver::results_type endpoints_;
};

absl::StatusOr<std::unique_ptr<RuntimeClient>> RuntimeClient::Create(
    absl::string_view endpoint, std::chrono::milliseconds post_timeout) {
  const size_t colon = endpoint.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(endpoint.substr(colon + 1), &port) || port == 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("the Lambda Runtime API address '", endpoint, "' is not host:port"));
  }
  std::string host(endpoint.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto impl = std::make_unique<Impl>(std::move(host), std::to_string(port), post_timeout);
  if (absl::Status resolved = impl->Resolve(); !resolved.ok()) return resolved;
  return std::unique_ptr<RuntimeClient>(new RuntimeClient(std::move(impl)));
}

RuntimeClient::RuntimeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuntimeClient::~RuntimeClient() = default;

absl::StatusOr<Invocation> RuntimeClient::Next(uint64_t max_event_bytes) {
  return impl_->Next(max_event_bytes);
}

absl::Status RuntimeClient::Respond(const std::string& request_id, const std::string& body) {
  return impl_->Post(absl::StrCat(kApiPrefix, "/invocation/", request_id, "/response"), body, "");
}

absl::Status RuntimeClient::ReportInvocationError(const std::string& request_id,
                                                  absl::string_view type,
                                                  absl::string_view message) {
  return impl_->Post(absl::StrCat(kApiPrefix, "/invocation/", request_id, "/error"),
                     RuntimeErrorJson(type, message), type);
}

absl::Status RuntimeClient::ReportInitError(absl::string_view type, absl::string_view message) {
  return impl_->Post(absl::StrCat(kApiPrefix, "/init/error"), RuntimeErrorJson(type, message),
                     type);
}

std::string RuntimeErrorJson(absl::string_view type, absl::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("errorMessage");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.Key("errorType");
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace berth::server::lambda
