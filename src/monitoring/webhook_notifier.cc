#include "monitoring/webhook_notifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "monitoring/webhook_payload.h"
#include "spdlog/spdlog.h"

namespace berth::monitoring {
namespace {

using Clock = std::chrono::steady_clock;

bool Retriable(const absl::StatusOr<int>& answer) { return !answer.ok() || *answer >= 500; }

std::string Describe(const absl::StatusOr<int>& answer) {
  if (!answer.ok()) return std::string(answer.status().message());
  if (*answer >= 300 && *answer < 400) {
    return absl::StrCat("answered HTTP ", *answer, " (a redirect: not followed)");
  }
  return absl::StrCat("answered HTTP ", *answer);
}

absl::Status CheckOptions(const WebhookOptions& o) {
  if (o.urls.empty()) return absl::InvalidArgumentError("no webhook URL given");
  if (o.queue_capacity == 0) return absl::InvalidArgumentError("webhook queue capacity is 0");
  if (o.max_attempts < 1) return absl::InvalidArgumentError("webhook max_attempts must be >= 1");
  if (o.timeout.count() <= 0) return absl::InvalidArgumentError("webhook timeout must be > 0");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Create(
    const WebhookOptions& options, Metrics* metrics) {
  RETURN_IF_ERROR(CheckOptions(options));
  std::vector<WebhookUrl> urls;
  for (const std::string& text : options.urls) {
    ASSIGN_OR_RETURN(WebhookUrl url, ParseWebhookUrl(text));
    RETURN_IF_ERROR(CheckHostAllowed(url, options.allowed_hosts));
    urls.push_back(std::move(url));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<WebhookClient> client, WebhookClient::Create(options.ca_file));
  return std::unique_ptr<WebhookNotifier>(
      new WebhookNotifier(options, std::move(urls), std::move(client), metrics));
}

WebhookNotifier::WebhookNotifier(const WebhookOptions& options, std::vector<WebhookUrl> urls,
                                 std::unique_ptr<WebhookClient> client, Metrics* metrics)
    : options_(options), urls_(std::move(urls)), client_(std::move(client)) {
  if (metrics != nullptr) {
    auto& family = prometheus::BuildCounter()
                       .Name("berth_webhook_deliveries_total")
                       .Help(
                           "Webhook deliveries (one per event and URL) by result: delivered "
                           "(2xx), failed (after the retries), dropped (queue full or "
                           "shutdown)")
                       .Register(metrics->registry());
    delivered_ = &family.Add({{"result", "delivered"}});
    failed_ = &family.Add({{"result", "failed"}});
    dropped_ = &family.Add({{"result", "dropped"}});
  }
  worker_ = std::thread([this] { Run(); });
}

WebhookNotifier::~WebhookNotifier() { Stop(); }

void WebhookNotifier::Count(prometheus::Counter* counter, double n) {
  if (counter != nullptr) counter->Increment(n);
}

void WebhookNotifier::Publish(Event event) {
  const std::string body = EventJson(event);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() + urls_.size() <= options_.queue_capacity) {
      for (size_t i = 0; i < urls_.size(); ++i) queue_.push_back(Delivery{i, event.type, body});
      cv_.notify_one();
      return;
    }
  }
  Count(dropped_, static_cast<double>(urls_.size()));
  spdlog::warn(
      "webhook: dropped event {} of model '{}' (the queue of {} deliveries is full, or "
      "the server is stopping)",
      event.type, event.model, options_.queue_capacity);
}

void WebhookNotifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      grace_end_ = Clock::now() + options_.shutdown_grace;
    }
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void WebhookNotifier::Run() {
  while (true) {
    Delivery delivery;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything went out
      if (stopping_ && Clock::now() >= grace_end_) {
        const size_t left = queue_.size();
        queue_.clear();
        lock.unlock();
        Count(dropped_, static_cast<double>(left));
        spdlog::warn("webhook: dropped {} queued deliveries at shutdown", left);
        return;
      }
      delivery = std::move(queue_.front());
      queue_.pop_front();
    }
    Deliver(delivery);
  }
}

std::chrono::milliseconds WebhookNotifier::AttemptTimeout() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stopping_) return options_.timeout;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(grace_end_ - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(1), options_.timeout);
}

bool WebhookNotifier::SleepUnlessPastGrace(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  const Clock::time_point until = Clock::now() + delay;
  // Shutdown cuts the wait short only when the grace period would end before it.
  cv_.wait_until(lock, until, [this, until] { return stopping_ && grace_end_ < until; });
  return !(stopping_ && grace_end_ < until);
}

void WebhookNotifier::Deliver(const Delivery& delivery) {
  const WebhookUrl& url = urls_[delivery.url];
  HttpHeaders headers = {{"User-Agent", options_.user_agent}, {kEventHeader, delivery.type}};
  if (!options_.secret.empty()) {
    headers.emplace_back(kSignatureHeader, SignatureHeaderValue(options_.secret, delivery.body));
  }
  std::chrono::milliseconds backoff = options_.retry_backoff;
  absl::StatusOr<int> answer = 0;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    answer = client_->Post(url, headers, delivery.body, AttemptTimeout());
    if (answer.ok() && *answer >= 200 && *answer < 300) {
      Count(delivered_);
      return;
    }
    if (!Retriable(answer) || attempt == options_.max_attempts) break;
    spdlog::info("webhook {}: {} {}; retrying in {} ms", url.text, delivery.type, Describe(answer),
                 backoff.count());
    if (!SleepUnlessPastGrace(backoff)) break;
    backoff *= 2;
  }
  Count(failed_);
  spdlog::warn("webhook {}: event {} not delivered: {}", url.text, delivery.type, Describe(answer));
}

}  // namespace berth::monitoring
