#include "monitoring/webhook_client.h"

#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/asio_await.h"

namespace berth::monitoring {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// The caller's logs name the URL; the message says what failed.
absl::Status Failed(const char* step, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(absl::StrCat("timed out trying to ", step));
  }
  return absl::UnavailableError(absl::StrCat("cannot ", step, ": ", ec.message()));
}

}  // namespace

class WebhookClient::Impl {
 public:
  Impl() : tls_(asio::ssl::context::tls_client) {}

  absl::Status SetUpTls(const std::string& ca_file) {
    beast::error_code ec;
    tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    tls_.set_verify_mode(asio::ssl::verify_peer);
    if (ca_file.empty()) {
      tls_.set_default_verify_paths(ec);
    } else {
      tls_.load_verify_file(ca_file, ec);
    }
    if (ec) {
      const std::string what = ca_file.empty() ? std::string("the system's CA store")
                                               : absl::StrCat("webhook CA file '", ca_file, "'");
      return absl::InvalidArgumentError(absl::StrCat(what, " cannot be loaded: ", ec.message()));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int> Post(const WebhookUrl& url, const HttpHeaders& headers,
                           const std::string& body, std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    asio::io_context context;
    tcp::resolver resolver(context);
    tcp::resolver::results_type endpoints;
    beast::error_code ec = asio::error::would_block;
    resolver.async_resolve(url.host, url.port,
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                           });
    context.run_until(deadline);
    if (ec == asio::error::would_block) {
      resolver.cancel();
      context.restart();
      context.run();
      return Failed("resolve its host", beast::error::timeout);
    }
    if (ec) return Failed("resolve its host", ec);

    http::request<http::string_body> request(http::verb::post, url.target, 11);
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const std::string host =
        url.host.find(':') != std::string::npos ? absl::StrCat("[", url.host, "]") : url.host;
    request.set(http::field::host, default_port ? host : absl::StrCat(host, ":", url.port));
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.keep_alive(false);
    request.prepare_payload();

    if (!url.tls) {
      beast::tcp_stream stream(context);
      return Exchange(context, stream, stream, endpoints, deadline, request);
    }
    beast::ssl_stream<beast::tcp_stream> stream(context, tls_);
    // SNI, and the certificate must name the host.
    if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
      return Failed("set up TLS", beast::error_code(static_cast<int>(::ERR_get_error()),
                                                    asio::error::get_ssl_category()));
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    return Exchange(context, stream, beast::get_lowest_layer(stream), endpoints, deadline, request);
  }

 private:
  template <typename Stream>
  absl::StatusOr<int> Exchange(asio::io_context& context, Stream& stream, beast::tcp_stream& tcp,
                               const tcp::resolver::results_type& endpoints,
                               Clock::time_point deadline,
                               http::request<http::string_body>& request) {
    tcp.expires_at(deadline);
    beast::error_code ec =
        AwaitOne(context, [&](auto done) { tcp.async_connect(endpoints, done); });
    if (ec) return Failed("connect", ec);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      ec = AwaitOne(context, [&](auto done) {
        stream.async_handshake(asio::ssl::stream_base::client, done);
      });
      if (ec) return Failed("complete the TLS handshake", ec);
    }
    ec = AwaitOne(context, [&](auto done) { http::async_write(stream, request, done); });
    if (ec) return Failed("send the event", ec);
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    ec = AwaitOne(context,
                  [&](auto done) { http::async_read_header(stream, buffer, parser, done); });
    if (ec) return Failed("read the answer", ec);
    beast::error_code ignored;
    tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp.close();
    return static_cast<int>(parser.get().result_int());
  }

  asio::ssl::context tls_;
};

absl::StatusOr<std::unique_ptr<WebhookClient>> WebhookClient::Create(const std::string& ca_file) {
  auto impl = std::make_unique<Impl>();
  if (absl::Status s = impl->SetUpTls(ca_file); !s.ok()) return s;
  return std::unique_ptr<WebhookClient>(new WebhookClient(std::move(impl)));
}

WebhookClient::WebhookClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookClient::~WebhookClient() = default;

absl::StatusOr<int> WebhookClient::Post(const WebhookUrl& url, const HttpHeaders& headers,
                                        const std::string& body,
                                        std::chrono::milliseconds timeout) {
  return impl_->Post(url, headers, body, timeout);
}

}  // namespace berth::monitoring
