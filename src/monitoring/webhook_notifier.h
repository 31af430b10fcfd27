// The webhook notifier: an EventSink that POSTs every event (webhook_payload.h) to each
// configured URL, from a worker thread of its own, so that publishing never waits on the
// network.
//
//   WebhookOptions o;
//   o.urls = {"https://hooks.example.com/berth"};
//   o.allowed_hosts = {"hooks.example.com"};
//   ASSIGN_OR_RETURN(auto notifier, WebhookNotifier::Create(o, metrics.get()));
//   notifier->Publish(event);   // returns at once
//
// Delivery: one POST per event and URL, with the headers X-Berth-Event (the type) and, with a
// secret, X-Berth-Signature-256. A 2xx answer delivers it. A 5xx answer, a connection error or
// a timeout is retried (max_attempts in all, waiting retry_backoff, then twice as long, ...);
// any other answer fails at once, a 3xx included (redirects are never followed). Failures
// are logged (spdlog, warn) naming the URL and the answer or error.
//
// The queue holds at most queue_capacity deliveries; a Publish that finds it full drops the
// event for every URL (counted, logged). Counted in berth_webhook_deliveries_total{result}
// (delivered, failed, dropped): one count per event and URL.
//
// Thread safety: Publish may be called from any thread. The destructor (or Stop) lets the
// worker go on for at most shutdown_grace, then drops what is still queued (counted).
#ifndef BERTH_MONITORING_WEBHOOK_NOTIFIER_H_
#define BERTH_MONITORING_WEBHOOK_NOTIFIER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "monitoring/events.h"
#include "monitoring/metrics.h"
#include "monitoring/webhook_client.h"
#include "monitoring/webhook_url.h"
#include "prometheus/counter.h"

namespace berth::monitoring {

struct WebhookOptions {
  std::vector<std::string> urls;           // http:// or https://; at least one
  std::vector<std::string> allowed_hosts;  // every URL's host must be here
  std::string ca_file;  // PEM CA certificates for https; empty: the system's store
  std::string secret;   // empty: no signature header
  size_t queue_capacity = 1000;
  std::chrono::milliseconds timeout{5000};  // per attempt: resolve, connect, send, answer
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff{500};
  std::chrono::milliseconds shutdown_grace{2000};
  std::string user_agent = "berth";
};

class WebhookNotifier final : public EventSink {
 public:
  // Checks every URL (webhook_url.h) against the allow list and loads the CA store; the first
  // error names the URL or file. `metrics` may be null (nothing counted); else it must
  // outlive the notifier. Starts the worker.
  static absl::StatusOr<std::unique_ptr<WebhookNotifier>> Create(const WebhookOptions& options,
                                                                 Metrics* metrics);
  ~WebhookNotifier() override;
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  void Publish(Event event) override;

  // Stops taking events, lets the worker deliver for up to shutdown_grace, drops the rest,
  // and joins it. Idempotent.
  void Stop();

 private:
  struct Delivery {
    size_t url;  // index into urls_
    std::string type;
    std::string body;
  };

  WebhookNotifier(const WebhookOptions& options, std::vector<WebhookUrl> urls,
                  std::unique_ptr<WebhookClient> client, Metrics* metrics);
  void Run();
  void Deliver(const Delivery& delivery);
  // Waits `delay` unless the grace period ends first; false if it ended.
  bool SleepUnlessPastGrace(std::chrono::milliseconds delay);
  std::chrono::milliseconds AttemptTimeout();
  void Count(prometheus::Counter* counter, double n = 1);

  const WebhookOptions options_;
  const std::vector<WebhookUrl> urls_;
  const std::unique_ptr<WebhookClient> client_;  // used by the worker only
  prometheus::Counter* delivered_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Counter* dropped_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;                       // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  std::chrono::steady_clock::time_point grace_end_;  // guarded by mu_; set when stopping
  std::thread worker_;
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_WEBHOOK_NOTIFIER_H_
