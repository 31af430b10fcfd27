#include "server/lambda/invocation_handler.h"

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "protocol/json_codec.h"
#include "protocol/status_codes.h"
#include "server/common/request_id.h"
#include "server/http/router.h"
#include "server/lambda/proxy_event.h"

namespace berth::server::lambda {
namespace {

using SystemClock = std::chrono::system_clock;

Outcome Answer(ProxyResponse response) {
  Outcome out;
  out.status_code = response.status_code;
  out.response = ProxyResponseJson(response);
  return out;
}

Outcome ErrorAnswer(const absl::Status& status, int http_status, const std::string& request_id) {
  ProxyResponse r = JsonProxyResponse(http_status, protocol::ErrorJson(status));
  if (!request_id.empty()) r.headers.emplace_back("x-request-id", request_id);
  return Answer(std::move(r));
}

Outcome ErrorAnswer(const absl::Status& status, const std::string& request_id = "") {
  return ErrorAnswer(status, protocol::HttpStatusFor(status), request_id);
}

std::optional<absl::string_view> Header(const ProxyEvent& event, const char* name) {
  auto it = event.headers.find(name);
  if (it == event.headers.end()) return std::nullopt;
  return absl::string_view(it->second);
}

// The model and version of the event, from its path or the defaults. `*http_status` is set
// when the error's status is not protocol::HttpStatusFor's (404, 405).
absl::StatusOr<RouteMatch> Target(const ProxyEvent& event, const HandlerOptions& options,
                                  int* http_status) {
  absl::StatusOr<RouteMatch> match = MatchRoute("POST", event.path);
  // An invalid path (a bad model name, "." segments) is refused whatever the defaults.
  if (absl::IsInvalidArgument(match.status())) return match.status();
  const bool is_infer = match.ok() && match->route == Route::kInfer;
  if (!is_infer && options.default_model.empty()) {
    *http_status = 404;
    return absl::NotFoundError(
        absl::StrCat("berth lambda answers only infer requests (POST "
                     "/v2/models/{model}[/versions/{version}]/infer), not ",
                     event.method, " ", event.path));
  }
  if (event.method != "POST") {
    *http_status = 405;
    return absl::FailedPreconditionError(absl::StrCat("inference takes POST, not ", event.method));
  }
  if (is_infer) return match;
  RouteMatch fallback;
  fallback.route = Route::kInfer;
  fallback.model = options.default_model;
  fallback.version = options.default_version;
  return fallback;
}

// The outputs marked binary travel after the JSON, the whole body base64-encoded.
ProxyResponse EncodeAnswer(const protocol::InferResponse& response, absl::Status* error) {
  std::string binary;
  absl::StatusOr<std::string> json = protocol::EncodeInferResponseJson(response, &binary);
  if (!json.ok()) {
    *error = json.status();
    return {};
  }
  bool any_binary = false;
  for (const protocol::InferOutput& o : response.outputs) any_binary |= o.binary;
  if (!any_binary) return JsonProxyResponse(200, *std::move(json));
  ProxyResponse r;
  r.status_code = 200;
  r.binary = true;
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.headers.emplace_back("Inference-Header-Content-Length", std::to_string(json->size()));
  r.body = *std::move(json) + binary;
  return r;
}

}  // namespace

InvocationHandler::InvocationHandler(serving::InferenceService* service, HandlerOptions options)
    : service_(service), options_(std::move(options)) {}

Outcome InvocationHandler::Handle(const Invocation& invocation, SystemClock::time_point now) {
  if (invocation.too_large) {
    return ErrorAnswer(absl::InvalidArgumentError("the event is larger than --max-event-bytes"),
                       413, "");
  }
  absl::StatusOr<ProxyEvent> event =
      ParseProxyEvent(invocation.event, options_.limits.max_json_depth);
  if (!event.ok()) {
    Outcome out;
    out.failed = true;
    out.error_type = "Runtime.InvalidEvent";
    out.error_message = std::string(event.status().message());
    return out;
  }
  int http_status = 0;
  absl::StatusOr<RouteMatch> target = Target(*event, options_, &http_status);
  if (!target.ok()) {
    return http_status ? ErrorAnswer(target.status(), http_status, "")
                       : ErrorAnswer(target.status());
  }
  absl::StatusOr<std::string> request_id = ChooseRequestId("", Header(*event, "x-request-id"));
  if (!request_id.ok()) return ErrorAnswer(request_id.status());
  if (auto encoding = Header(*event, "content-encoding"); encoding && *encoding != "identity") {
    return ErrorAnswer(absl::InvalidArgumentError("compressed request bodies are not supported"),
                       415, *request_id);
  }
  absl::string_view json = event->body, binary;
  if (auto length = Header(*event, "inference-header-content-length")) {
    size_t size = 0;
    if (!absl::SimpleAtoi(*length, &size) || size > event->body.size()) {
      return ErrorAnswer(absl::InvalidArgumentError(absl::StrCat(
                             "Inference-Header-Content-Length '", *length,
                             "' is not a number of bytes within the body's ", event->body.size())),
                         *request_id);
    }
    json = json.substr(0, size);
    binary = absl::string_view(event->body).substr(size);
  }
  if (json.empty()) {
    return ErrorAnswer(absl::InvalidArgumentError("the event has no body: it must be an infer "
                                                  "request's JSON"),
                       *request_id);
  }
  absl::StatusOr<protocol::InferRequest> request =
      protocol::ParseInferRequestJson(json, binary, options_.limits);
  if (!request.ok()) {
    service_->CountUndecodable(target->model, target->version,
                               static_cast<int64_t>(event->body.size()));
    return ErrorAnswer(request.status(), *request_id);
  }
  if (!request->id.empty()) {
    absl::Status valid = ValidateRequestId(request->id, "the request's \"id\"");
    if (!valid.ok()) return ErrorAnswer(valid, *request_id);
    request->request_id = request->id;
  } else {
    request->request_id = *request_id;
  }
  request->wire_bytes = static_cast<int64_t>(event->body.size());
  // The time left, less the margin to send the answer; nullopt without a deadline.
  std::optional<std::chrono::microseconds> left;
  if (invocation.deadline_ms > 0) {
    const SystemClock::time_point deadline{std::chrono::milliseconds(invocation.deadline_ms)};
    left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now -
                                                                 options_.deadline_margin);
    if (left->count() <= 0) {
      return ErrorAnswer(absl::DeadlineExceededError(
                             "the invocation's deadline passed before inference could start"),
                         request->request_id);
    }
    request->timeout_us = std::min(request->timeout_us.value_or(left->count()), left->count());
  }
  const std::string answer_id = request->request_id;
  auto promise = std::make_shared<std::promise<serving::InferResult>>();
  std::future<serving::InferResult> result = promise->get_future();
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  service_->Infer(target->model, target->version, *std::move(request), cancelled,
                  [promise](serving::InferResult r) { promise->set_value(std::move(r)); });
  if (left && result.wait_for(*left) != std::future_status::ready) {
    cancelled->store(true);
    return ErrorAnswer(
        absl::DeadlineExceededError("inference did not finish before the invocation's deadline"),
        answer_id);
  }
  serving::InferResult done = result.get();
  if (!done.ok()) return ErrorAnswer(done.status(), answer_id);
  absl::Status encode_error;
  ProxyResponse response = EncodeAnswer(*done, &encode_error);
  if (!encode_error.ok()) return ErrorAnswer(encode_error, answer_id);
  response.headers.emplace_back("x-request-id", answer_id);
  return Answer(std::move(response));
}

}  // namespace berth::server::lambda
