#include "admin_client.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/asio_await.h"
#include "common/json_input.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "registry/record_json.h"

namespace berth::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::chrono::seconds kStepTimeout{30};
constexpr uint64_t kMaxReplyBytes = uint64_t{64} << 20;

absl::StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 431:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::StatusCode::kInternal;
  }
}

// The status of an error reply: its {"error": "...", "code": N} when it has them (the code
// only when it is an error code), else what the HTTP status maps to.
absl::Status ErrorStatus(int status, const std::string& body) {
  absl::StatusCode code = CodeForHttpStatus(status);
  std::string message = absl::StrCat("the management API answered HTTP ", status);
  rapidjson::Document doc;
  ParseJson(doc, body);
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("error");
    if (it != doc.MemberEnd() && it->value.IsString()) {
      message = std::string(it->value.GetString(), it->value.GetStringLength());
    }
    it = doc.FindMember("code");
    if (it != doc.MemberEnd() && it->value.IsInt() && it->value.GetInt() >= 1 &&
        it->value.GetInt() <= 16) {
      code = static_cast<absl::StatusCode>(it->value.GetInt());
    }
  }
  return absl::Status(code, message);
}

}  // namespace

absl::StatusOr<AdminUrl> ParseAdminUrl(absl::string_view url) {
  const auto bad = [&url](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("--admin-url '", url, "' is not http://HOST:PORT: ", why));
  };
  constexpr absl::string_view kScheme = "http://";
  if (!absl::StartsWith(url, kScheme)) {
    return bad(absl::StartsWith(url, "https://")
                   ? "https is not supported (the management API listens on loopback by default)"
                   : "it must start with http://");
  }
  absl::string_view rest = url.substr(kScheme.size());
  if (absl::EndsWith(rest, "/")) rest.remove_suffix(1);
  if (rest.find('/') != absl::string_view::npos) return bad("it may not hold a path");
  AdminUrl out;
  size_t colon;
  if (absl::StartsWith(rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return bad("an unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    colon = close + 1 < rest.size() && rest[close + 1] == ':' ? close + 1 : absl::string_view::npos;
  } else {
    colon = rest.rfind(':');
    if (colon != absl::string_view::npos) out.host = std::string(rest.substr(0, colon));
  }
  if (colon == absl::string_view::npos) return bad("the port is missing");
  out.port = std::string(rest.substr(colon + 1));
  int port = 0;
  if (out.host.empty()) return bad("the host is missing");
  if (!absl::SimpleAtoi(out.port, &port) || port < 1 || port > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  return out;
}

std::string QueryEscape(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";  // upper case, as RFC 3986 asks
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Create(const std::string& url,
                                                                 std::string token) {
  ASSIGN_OR_RETURN(AdminUrl where, ParseAdminUrl(url));
  return std::unique_ptr<AdminClient>(new AdminClient(url, std::move(where), std::move(token)));
}

absl::StatusOr<std::string> AdminClient::Call(const char* method, const std::string& target,
                                              const std::string& body) {
  const auto unreachable = [this](const char* step, const beast::error_code& ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot ", step, " the management API at ", url_, ": ", ec.message()));
  };
  asio::io_context context;
  beast::tcp_stream stream(context);
  beast::error_code ec;
  tcp::resolver resolver(context);
  const auto endpoints = resolver.resolve(where_.host, where_.port, ec);
  if (ec) return unreachable("resolve", ec);
  stream.expires_after(kStepTimeout);
  ec = AwaitOne(context, [&](auto done) { stream.async_connect(endpoints, done); });
  if (ec) return unreachable("reach", ec);

  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, absl::StrCat(where_.host, ":", where_.port));
  request.set(http::field::authorization, absl::StrCat("Bearer ", token_));
  request.set(http::field::user_agent, "berth-cli");
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.keep_alive(false);
  request.prepare_payload();
  stream.expires_after(kStepTimeout);
  ec = AwaitOne(context, [&](auto done) { http::async_write(stream, request, done); });
  if (ec) return unreachable("send to", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  stream.expires_after(kStepTimeout);
  ec = AwaitOne(context, [&](auto done) { http::async_read(stream, buffer, parser, done); });
  if (ec) return unreachable("read the answer of", ec);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  http::response<http::string_body> response = parser.release();
  const int status = static_cast<int>(response.result_int());
  if (status == 200) return std::move(response.body());
  return ErrorStatus(status, response.body());
}

std::string AdminClient::AliasActionBody(const std::string& alias, const std::string& actor,
                                         const std::string& reason) {
  JsonWriter w;
  w.BeginObject();
  w.Key("alias").String(alias);
  w.Key("actor").String(actor);
  w.Key("reason").String(reason);
  w.EndObject();
  return w.str();
}

namespace {

std::string ModelPath(const std::string& name, absl::string_view rest = "") {
  // Escaped, so that even an invalid name stays one path segment for the server to refuse.
  return absl::StrCat("/v1/models/", QueryEscape(name), rest);
}

}  // namespace

absl::StatusOr<std::vector<registry::ModelVersion>> AdminClient::Versions(const std::string& name) {
  ASSIGN_OR_RETURN(std::string body, Call("GET", ModelPath(name, "/versions")));
  return registry::VersionsFromJson(body);
}

absl::StatusOr<registry::ModelVersion> AdminClient::Show(const std::string& name,
                                                         const std::string& ref) {
  ASSIGN_OR_RETURN(std::string body,
                   Call("GET", ModelPath(name, absl::StrCat("/versions/", QueryEscape(ref)))));
  return registry::VersionFromJson(body);
}

absl::StatusOr<std::vector<registry::Alias>> AdminClient::ListAliases(const std::string& name) {
  ASSIGN_OR_RETURN(std::string body, Call("GET", ModelPath(name, "/aliases")));
  return registry::AliasesFromJson(body);
}

absl::StatusOr<registry::DeploymentRecord> AdminClient::SetAlias(
    const std::string& name, const std::string& alias, int64_t version, const std::string& actor,
    const std::string& reason, bool force) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version").Int(version);
  w.Key("actor").String(actor);
  w.Key("reason").String(reason);
  w.Key("force").Bool(force);
  w.EndObject();
  ASSIGN_OR_RETURN(
      std::string body,
      Call("PUT", ModelPath(name, absl::StrCat("/aliases/", QueryEscape(alias))), w.str()));
  return registry::DeploymentFromJson(body);
}

absl::StatusOr<std::vector<registry::DeploymentRecord>> AdminClient::History(
    const std::string& name, const std::optional<std::string>& alias) {
  const std::string query = alias ? absl::StrCat("?alias=", QueryEscape(*alias)) : "";
  ASSIGN_OR_RETURN(std::string body, Call("GET", ModelPath(name, "/history" + query)));
  return registry::DeploymentsFromJson(body);
}

absl::StatusOr<int64_t> AdminClient::VersionAt(const std::string& name, const std::string& alias,
                                               absl::Time time) {
  ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", ModelPath(name, absl::StrCat("/history?alias=", QueryEscape(alias),
                                               "&at=", QueryEscape(registry::Rfc3339Utc(time))))));
  rapidjson::Document doc;
  ParseJson(doc, body);
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("version") ||
      !doc["version"].IsInt64()) {
    return absl::InternalError("the management API's answer has no version number");
  }
  return doc["version"].GetInt64();
}

absl::StatusOr<registry::DeploymentRecord> AdminClient::Rollback(const std::string& name,
                                                                 const std::string& alias,
                                                                 const std::string& actor,
                                                                 const std::string& reason) {
  ASSIGN_OR_RETURN(std::string body, Call("POST", ModelPath(name, "/rollback"),
                                          AliasActionBody(alias, actor, reason)));
  return registry::DeploymentFromJson(body);
}

absl::StatusOr<registry::Rollout> AdminClient::StartRollout(
    const registry::RolloutSpec& spec, const std::string& actor,
    const registry::GateOverride& override) {
  JsonWriter w;
  w.BeginObject();
  w.Key("alias").String(spec.alias);
  w.Key("candidate").Int(spec.candidate);
  w.Key("canary_percent").Double(spec.canary_percent);
  w.Key("shadow").Bool(spec.shadow);
  w.Key("max_error_rate").Double(spec.max_error_rate);
  w.Key("max_p99_ratio").Double(spec.max_p99_ratio);
  w.Key("min_requests").Int(spec.min_requests);
  w.Key("bake_secs").Int(spec.bake_secs);
  w.Key("actor").String(actor);
  w.Key("force").Bool(override.force);
  w.Key("reason").String(override.reason);
  w.EndObject();
  ASSIGN_OR_RETURN(std::string body, Call("POST", ModelPath(spec.model, "/rollouts"), w.str()));
  return registry::RolloutFromJson(body);
}

absl::StatusOr<std::vector<registry::Rollout>> AdminClient::Rollouts(const std::string& name) {
  ASSIGN_OR_RETURN(std::string body, Call("GET", ModelPath(name, "/rollouts")));
  return registry::RolloutsFromJson(body);
}

absl::StatusOr<registry::Rollout> AdminClient::AbortRollout(const std::string& name,
                                                            const std::string& alias,
                                                            const std::string& actor,
                                                            const std::string& reason) {
  ASSIGN_OR_RETURN(std::string body, Call("POST", ModelPath(name, "/rollouts/abort"),
                                          AliasActionBody(alias, actor, reason)));
  return registry::RolloutFromJson(body);
}

absl::StatusOr<registry::Protection> AdminClient::Protect(const registry::Protection& p) {
  JsonWriter w;
  w.BeginObject();
  w.Key("require").String(p.require);
  if (p.min_accuracy.has_value()) w.Key("min_accuracy").Double(*p.min_accuracy);
  if (p.max_p99_ms.has_value()) w.Key("max_p99_ms").Double(*p.max_p99_ms);
  w.Key("actor").String(p.created_by);
  w.EndObject();
  ASSIGN_OR_RETURN(
      std::string body,
      Call("PUT", ModelPath(p.model, absl::StrCat("/protections/", QueryEscape(p.alias))),
           w.str()));
  return registry::ProtectionFromJson(body);
}

absl::Status AdminClient::Unprotect(const std::string& name, const std::string& alias) {
  return Call("DELETE", ModelPath(name, absl::StrCat("/protections/", QueryEscape(alias))))
      .status();
}

absl::StatusOr<std::vector<registry::Protection>> AdminClient::Protections(
    const std::string& name) {
  ASSIGN_OR_RETURN(std::string body, Call("GET", ModelPath(name, "/protections")));
  return registry::ProtectionsFromJson(body);
}

absl::StatusOr<std::vector<registry::GateVerdict>> AdminClient::Gates(const std::string& name,
                                                                      int64_t version) {
  ASSIGN_OR_RETURN(std::string body,
                   Call("GET", ModelPath(name, absl::StrCat("/versions/", version, "/gates"))));
  return registry::GateVerdictsFromJson(body);
}

absl::StatusOr<registry::VersionDocument> AdminClient::Document(const std::string& name,
                                                                int64_t version,
                                                                const std::string& kind) {
  ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", ModelPath(name, absl::StrCat("/versions/", version, "/documents/", kind))));
  return registry::DocumentFromJson(body);
}

}  // namespace berth::cli
