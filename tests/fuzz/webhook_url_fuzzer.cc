// libFuzzer target: arbitrary bytes through the webhook URL parser (monitoring/webhook_url.h),
// as `berth serve --alert-webhook URL` and the allow list get them from a user. Any input must
// give a URL or an error, never a crash, a leak or undefined behaviour. A URL that parses
// must be one berth can connect to (a host, a port 1-65535, a target starting with '/'), its
// host must pass an allow list naming it, and the URL put together again from its parts must
// parse to the same parts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "monitoring/webhook_url.h"

namespace {

namespace monitoring = berth::monitoring;

void CheckParts(const monitoring::WebhookUrl& url) {
  int port = 0;
  if (url.host.empty() || url.target.empty() || url.target[0] != '/' ||
      !absl::SimpleAtoi(url.port, &port) || port < 1 || port > 65535) {
    std::abort();
  }
  if (!monitoring::CheckHostAllowed(url, {url.host}).ok()) std::abort();
}

void CheckRebuilt(const monitoring::WebhookUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  const std::string text =
      std::string(url.tls ? "https://" : "http://") + host + ":" + url.port + url.target;
  absl::StatusOr<monitoring::WebhookUrl> again = monitoring::ParseWebhookUrl(text);
  if (!again.ok() || again->tls != url.tls || again->host != url.host || again->port != url.port ||
      again->target != url.target) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<monitoring::WebhookUrl> url =
      monitoring::ParseWebhookUrl(std::string(reinterpret_cast<const char*>(data), size));
  if (!url.ok()) return 0;
  CheckParts(*url);
  CheckRebuilt(*url);
  return 0;
}
