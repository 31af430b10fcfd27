// Webhooks: the event body, its signature, URLs and the allow list, and the notifier against a
// real HTTP receiver on loopback (retries on 5xx, no redirect followed, a full queue drops).
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"
#include "monitoring/metrics.h"
#include "monitoring/webhook_notifier.h"
#include "monitoring/webhook_payload.h"
#include "monitoring/webhook_url.h"

namespace berth::monitoring {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

Event RolledBack() {
  Event e;
  e.type = kRolloutRolledBack;
  e.model = "m";
  e.alias = "production";
  e.version = 2;
  e.reason = "candidate error rate 0.1 > 0.02 \"quoted\"";
  e.at = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 0, 31, 2), absl::UTCTimeZone()) +
         absl::Microseconds(123456);
  e.details = {{"rollout_id", "7"}, {"baseline_version", "1"}, {"rollout_id", "8"}};
  return e;
}

TEST(EventJson, HoldsEveryFieldWithRfc3339TimeAndSortedDetails) {
  EXPECT_EQ(EventJson(RolledBack()),
            R"({"type":"rollout.rolled_back","model":"m","alias":"production","version":2,)"
            R"("reason":"candidate error rate 0.1 > 0.02 \"quoted\"",)"
            R"("at":"2026-12-07T00:31:02.123456Z",)"
            R"("details":{"baseline_version":"1","rollout_id":"8"}})");
}

TEST(EventJson, NoAliasAndNoVersionAreNull) {
  Event e;
  e.type = kDriftDetected;
  e.model = "m";
  e.at = absl::UnixEpoch();
  EXPECT_EQ(EventJson(e),
            R"({"type":"drift.detected","model":"m","alias":null,"version":null,"reason":"",)"
            R"("at":"1970-01-01T00:00:00.000000Z","details":{}})");
}

TEST(Signature, IsHmacSha256InHex) {
  // RFC 4231, test case 2.
  EXPECT_EQ(SignatureHeaderValue("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(SignatureHeaderValue("Jefe", "what do ya want for nothing!"),
            SignatureHeaderValue("Jefe", "what do ya want for nothing?"));
}

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Secret, FirstLineTrimmedAndBadFilesNamed) {
  EXPECT_EQ(*ReadWebhookSecret(TempFile("s1", "  s3cret \nignored\n")), "s3cret");
  absl::StatusOr<std::string> empty = ReadWebhookSecret(TempFile("s2", "\n"));
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("s2' is empty"), std::string::npos);
  EXPECT_FALSE(ReadWebhookSecret(TempFile("s3", "a\x01b")).ok());
  absl::StatusOr<std::string> missing = ReadWebhookSecret("/nonexistent/secret");
  EXPECT_NE(missing.status().message().find("/nonexistent/secret"), std::string::npos);
}

TEST(WebhookUrl, ParsesSchemeHostPortAndTarget) {
  absl::StatusOr<WebhookUrl> u = ParseWebhookUrl("HTTPS://Hooks.Example.COM/a/b?x=1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/a/b?x=1");
  u = ParseWebhookUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/");
  u = ParseWebhookUrl("http://[::1]:9/hook");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9");
}

TEST(WebhookUrl, RefusesWhatItDoesNotSupportNamingIt) {
  const std::pair<const char*, const char*> cases[] = {
      {"ftp://h/x", "only http:// and https://"},
      {"http://", "no host"},
      {"http:///path", "no host"},
      {"http://user:pw@h/x", "user information"},
      {"http://h/x#frag", "fragment"},
      {"http://h:0/", "port '0'"},
      {"http://h:70000/", "port '70000'"},
      {"http://h:+80/", "port '+80'"},
      {"http://h/a b", "space or control"},
      {"http://[::1/", "']'"},
      {"http://:1[:]:9", "host ':1[:]' is not a name"},
      {"http://a:b:80/", "host 'a:b' is not"},
      {"http://[::1]x/", "unexpected text"},
      {"http://[a]b]/", "unexpected text"},
      {"http://[g::1]/", "host '[g::1]' is not"},
      {"https://[1%25te]", "host '[1%25te]' is not"},
  };
  for (const auto& [url, what] : cases) {
    absl::StatusOr<WebhookUrl> u = ParseWebhookUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_NE(u.status().message().find(what), std::string::npos) << u.status();
    EXPECT_NE(u.status().message().find("webhook URL"), std::string::npos) << u.status();
  }
}

TEST(WebhookUrl, AllowListIsExplicitAndCaseInsensitive) {
  const WebhookUrl u = *ParseWebhookUrl("https://hooks.example.com/x");
  absl::Status none = CheckHostAllowed(u, {});
  EXPECT_FALSE(none.ok());
  EXPECT_NE(none.message().find("'hooks.example.com' is not on the allow list"), std::string::npos)
      << none;
  EXPECT_FALSE(CheckHostAllowed(u, {"example.com", "evil.hooks.example.com"}).ok());
  EXPECT_TRUE(CheckHostAllowed(u, {"other", "Hooks.Example.com"}).ok());
  EXPECT_TRUE(CheckHostAllowed(*ParseWebhookUrl("http://[::1]/"), {"[::1]"}).ok());
}

// An HTTP receiver on loopback: answers each request with the next status of `statuses` (the
// last one repeats), optionally holding each answer until Release().
class Receiver {
 public:
  struct Request {
    std::string target, body, event, signature;
  };

  explicit Receiver(std::vector<int> statuses, bool hold = false)
      : statuses_(std::move(statuses)), hold_(hold) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      released_ = 1 << 20;
    }
    cv_.notify_all();
    boost::system::error_code ec;
    tcp::socket wake(context_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
  }
  // Waits until `n` requests have arrived; returns them.
  std::vector<Request> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return requests_.size() >= n; });
    return requests_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++released_;
    cv_.notify_all();
  }

 private:
  void Serve() {
    for (size_t i = 0;; ++i) {
      tcp::socket socket(context_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      if (ec) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      {
        std::unique_lock<std::mutex> lock(mu_);
        requests_.push_back({std::string(request.target()), request.body(),
                             std::string(request[kEventHeader]),
                             std::string(request[kSignatureHeader])});
        cv_.notify_all();
        if (hold_) cv_.wait(lock, [&] { return released_ > static_cast<int>(i); });
      }
      http::response<http::string_body> response;
      response.result(statuses_[std::min(i, statuses_.size() - 1)]);
      if (response.result_int() == 302) response.set(http::field::location, url() + "/moved");
      response.body() = "ok";
      response.prepare_payload();
      http::write(socket, response, ec);
    }
  }

  asio::io_context context_;
  tcp::acceptor acceptor_{context_};
  const std::vector<int> statuses_;
  const bool hold_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  int released_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

double Deliveries(const Metrics& metrics, const std::string& result) {
  const std::string text = metrics.Render();
  const std::string key = "berth_webhook_deliveries_total{result=\"" + result + "\"} ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

WebhookOptions OptionsFor(const std::vector<std::string>& urls) {
  WebhookOptions o;
  o.urls = urls;
  o.allowed_hosts = {"127.0.0.1"};
  o.retry_backoff = std::chrono::milliseconds(10);
  o.shutdown_grace = std::chrono::seconds(60);  // Stop lets every queued delivery finish
  o.secret = "s3cret";
  return o;
}

TEST(WebhookNotifier, RefusesAHostOffTheAllowListAndBadUrls) {
  WebhookOptions o = OptionsFor({"http://127.0.0.1:9/ok", "http://evil.example/x"});
  absl::StatusOr<std::unique_ptr<WebhookNotifier>> n = WebhookNotifier::Create(o, nullptr);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("'evil.example' is not on the allow list"), std::string::npos)
      << n.status();
  o.urls = {"gopher://127.0.0.1/"};
  EXPECT_FALSE(WebhookNotifier::Create(o, nullptr).ok());
  o.urls = {};
  EXPECT_FALSE(WebhookNotifier::Create(o, nullptr).ok());
  o.urls = {"https://127.0.0.1/"};
  o.ca_file = "/nonexistent/ca.pem";
  n = WebhookNotifier::Create(o, nullptr);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("/nonexistent/ca.pem"), std::string::npos) << n.status();
}

TEST(WebhookNotifier, PostsSignedEventsAndRetriesServerErrors) {
  Receiver receiver({503, 500, 200});
  Metrics metrics;
  auto notifier = *WebhookNotifier::Create(OptionsFor({receiver.url()}), &metrics);
  notifier->Publish(RolledBack());
  std::vector<Receiver::Request> got = receiver.WaitFor(3);
  notifier->Stop();
  for (const Receiver::Request& r : got) {
    EXPECT_EQ(r.target, "/hook");
    EXPECT_EQ(r.body, EventJson(RolledBack()));
    EXPECT_EQ(r.event, "rollout.rolled_back");
    EXPECT_EQ(r.signature, SignatureHeaderValue("s3cret", r.body));
  }
  EXPECT_EQ(Deliveries(metrics, "delivered"), 1);
  EXPECT_EQ(Deliveries(metrics, "failed"), 0);
}

TEST(WebhookNotifier, ARedirectIsAFailureAndIsNotFollowed) {
  Receiver receiver({302, 200});
  Metrics metrics;
  auto notifier = *WebhookNotifier::Create(OptionsFor({receiver.url()}), &metrics);
  notifier->Publish(RolledBack());
  notifier->Stop();                           // the grace period lets the one delivery finish
  EXPECT_EQ(receiver.WaitFor(1).size(), 1u);  // one attempt, no retry, no visit of Location
  EXPECT_EQ(Deliveries(metrics, "failed"), 1);
  EXPECT_EQ(Deliveries(metrics, "delivered"), 0);
}

TEST(WebhookNotifier, GivesUpAfterMaxAttemptsAndOnClientErrorsAtOnce) {
  Receiver receiver({503, 503, 503, 400});
  Metrics metrics;
  WebhookOptions o = OptionsFor({receiver.url()});
  auto notifier = *WebhookNotifier::Create(o, &metrics);
  notifier->Publish(RolledBack());  // 503 three times: failed
  notifier->Publish(RolledBack());  // 400: failed without retry
  notifier->Stop();
  EXPECT_EQ(receiver.WaitFor(4).size(), 4u);
  EXPECT_EQ(Deliveries(metrics, "failed"), 2);
}

TEST(WebhookNotifier, AFullQueueDropsAndCounts) {
  Receiver receiver({200}, /*hold=*/true);
  Metrics metrics;
  WebhookOptions o = OptionsFor({receiver.url()});
  o.queue_capacity = 1;
  auto notifier = *WebhookNotifier::Create(o, &metrics);
  notifier->Publish(RolledBack());
  receiver.WaitFor(1);              // the worker holds the first one...
  notifier->Publish(RolledBack());  // ...the second waits in the queue...
  notifier->Publish(RolledBack());  // ...and the third finds it full.
  EXPECT_EQ(Deliveries(metrics, "dropped"), 1);
  receiver.Release();
  receiver.Release();
  receiver.WaitFor(2);
  notifier->Stop();
  EXPECT_EQ(Deliveries(metrics, "delivered"), 2);
}

TEST(WebhookNotifier, AnUnreachableReceiverFailsWithoutBlockingPublish) {
  // A port nothing listens on (bound, then closed).
  std::string url;
  {
    asio::io_context context;
    tcp::acceptor a(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    url = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/";
  }
  Metrics metrics;
  auto notifier = *WebhookNotifier::Create(OptionsFor({url}), &metrics);
  notifier->Publish(RolledBack());
  notifier->Stop();
  EXPECT_EQ(Deliveries(metrics, "failed"), 1);
}

}  // namespace
}  // namespace berth::monitoring
