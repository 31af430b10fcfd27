#include "monitoring/webhook_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace berth::monitoring {
namespace {

constexpr size_t kMaxUrlBytes = 2048;

absl::Status Bad(const std::string& url, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("webhook URL '", url, "': ", what));
}

std::string HostKey(absl::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return absl::AsciiStrToLower(host);
}

// A host name or IPv4 address: letters, digits, '-', '.' and '_'; an IPv6 address (between
// brackets, given without them): hex digits, ':' and '.', and after a '%' a zone id.
bool ValidHost(absl::string_view host, bool bracketed) {
  if (bracketed && host.substr(0, host.find('%')).find(':') == absl::string_view::npos) {
    return false;  // an IPv6 address has a ':'
  }
  bool zone = false;
  for (char c : host) {
    const bool ok = bracketed ? absl::ascii_isxdigit(c) || c == ':' || c == '.' ||
                                    (zone && (absl::ascii_isalnum(c) || c == '-' || c == '_'))
                              : absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
    if (bracketed && c == '%' && !zone) {
      zone = true;
    } else if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<WebhookUrl> ParseWebhookUrl(const std::string& text) {
  if (text.size() > kMaxUrlBytes) return Bad(text.substr(0, 64) + "...", "longer than 2048 bytes");
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Bad(text, "holds a space or control byte");
    }
  }
  WebhookUrl url;
  url.text = text;
  absl::string_view rest = text;
  const std::string lower = absl::AsciiStrToLower(text.substr(0, 8));
  if (absl::StartsWith(lower, "https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (absl::StartsWith(lower, "http://")) {
    rest.remove_prefix(7);
  } else {
    return Bad(text, "only http:// and https:// URLs are supported");
  }
  if (rest.find('#') != absl::string_view::npos) return Bad(text, "a fragment (#) is not allowed");
  const size_t slash = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, slash);
  url.target = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target = "/" + url.target;
  if (authority.find('@') != absl::string_view::npos) {
    return Bad(text, "user information (user@host) is not allowed");
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Bad(text, "an IPv6 address lacks its ']'");
    host = authority.substr(0, close + 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(text, "unexpected text after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  url.host = HostKey(host);
  if (url.host.empty() || url.host == "[]") return Bad(text, "no host");
  if (!ValidHost(url.host, absl::StartsWith(host, "["))) {
    return Bad(text, absl::StrCat("host '", host,
                                  "' is not a name, an IPv4 address or a bracketed IPv6 address"));
  }
  if (port.empty()) {
    url.port = url.tls ? "443" : "80";
  } else {
    int number = 0;
    if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535 ||
        !absl::ascii_isdigit(port.front())) {
      return Bad(text, absl::StrCat("port '", port, "' is not a number from 1 to 65535"));
    }
    url.port = std::to_string(number);
  }
  return url;
}

absl::Status CheckHostAllowed(const WebhookUrl& url,
                              const std::vector<std::string>& allowed_hosts) {
  for (const std::string& allowed : allowed_hosts) {
    if (HostKey(allowed) == url.host) return absl::OkStatus();
  }
  const std::string listed = allowed_hosts.empty()
                                 ? std::string("; the list is empty")
                                 : absl::StrCat(": ", absl::StrJoin(allowed_hosts, ", "));
  return absl::InvalidArgumentError(absl::StrCat("webhook URL '", url.text, "': host '", url.host,
                                                 "' is not on the allow list (--webhook-allow-host",
                                                 listed, ")"));
}

}  // namespace berth::monitoring
