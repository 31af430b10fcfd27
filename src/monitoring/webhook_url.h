// Webhook URLs: parsed, and checked against the allow list of hosts before berth ever
// connects. Only http:// and https:// URLs with a host name or address; no user info, no
// fragment. Nothing is allowed unless its host is on the list.
#ifndef BERTH_MONITORING_WEBHOOK_URL_H_
#define BERTH_MONITORING_WEBHOOK_URL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::monitoring {

struct WebhookUrl {
  std::string text;    // the URL as given (for logs and errors)
  bool tls = false;    // https
  std::string host;    // lower case; an IPv6 address without its brackets
  std::string port;    // "80"/"443" unless given
  std::string target;  // path and query, "/" when empty
};

// InvalidArgument naming the URL and what is wrong: another scheme, no host, user info
// ("user@"), a fragment, a port outside 1-65535, a control byte or space, over 2048 bytes, a
// host that is neither a name (letters, digits, '-', '.', '_'), an IPv4 address nor an IPv6
// address in brackets (hex digits, ':', '.', a %zone).
absl::StatusOr<WebhookUrl> ParseWebhookUrl(const std::string& text);

// InvalidArgument naming the URL and its host unless the host is one of `allowed_hosts`
// (compared without case; an IPv6 address written with or without brackets).
absl::Status CheckHostAllowed(const WebhookUrl& url, const std::vector<std::string>& allowed_hosts);

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_WEBHOOK_URL_H_
