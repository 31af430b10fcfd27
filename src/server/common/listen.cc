#include "server/common/listen.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::server {

namespace asio = boost::asio;
using asio::ip::tcp;

absl::Status Listen(tcp::acceptor& acceptor, const std::string& host, int port,
                    absl::string_view what) {
  const std::string where = absl::StrCat(host, ":", port);
  boost::system::error_code ec;
  tcp::resolver resolver(acceptor.get_executor());
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve the ", what, " address ", where, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for ", what, " on ", where, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<absl::string_view>> SplitRequestPath(absl::string_view target) {
  absl::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError("the request target must be a path starting with '/'");
  }
  std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  if (!segments.empty() && segments.back().empty()) segments.pop_back();  // a trailing '/'
  for (absl::string_view s : segments) {
    if (s.empty() || s == "." || s == "..") {
      return absl::InvalidArgumentError(
          "the request path may not hold empty, '.' or '..' segments");
    }
  }
  return segments;
}

}  // namespace berth::server
