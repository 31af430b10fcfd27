// One HTTP(S) POST to a webhook receiver, bounded by a deadline, for the notifier's worker
// thread. It never follows redirects: the caller gets the status (3xx included) and decides.
// https verifies the receiver's certificate chain (the system's CA store, or a given CA file)
// and that the certificate names the URL's host.
//
// Thread safety: Post may be called from one thread at a time.
#ifndef BERTH_MONITORING_WEBHOOK_CLIENT_H_
#define BERTH_MONITORING_WEBHOOK_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "monitoring/webhook_url.h"

namespace berth::monitoring {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class WebhookClient {
 public:
  // `ca_file` empty: certificates are verified against the system's CA store; otherwise
  // against the PEM certificates in that file (InvalidArgument naming it if it cannot be read).
  static absl::StatusOr<std::unique_ptr<WebhookClient>> Create(const std::string& ca_file);
  ~WebhookClient();
  WebhookClient(const WebhookClient&) = delete;
  WebhookClient& operator=(const WebhookClient&) = delete;

  // POSTs `body` (Content-Type: application/json) with `headers` to `url` on a new
  // connection, and returns the answer's HTTP status once its head has arrived (the answer's
  // body is not read). Unavailable when the host cannot be resolved, reached, or its
  // certificate is refused; DeadlineExceeded when `timeout` passes first. The messages say
  // which step failed, not the URL (the caller names it).
  absl::StatusOr<int> Post(const WebhookUrl& url, const HttpHeaders& headers,
                           const std::string& body, std::chrono::milliseconds timeout);

  class Impl;  // webhook_client.cc

 private:
  explicit WebhookClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_WEBHOOK_CLIENT_H_
