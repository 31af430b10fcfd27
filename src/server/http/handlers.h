// The HTTP handlers: one function per route group, each translating between HTTP and one
// call of serving::InferenceService. No serving logic here, and no status code chosen here
// either: errors go through protocol/status_codes.h.
#ifndef BERTH_SERVER_HTTP_HANDLERS_H_
#define BERTH_SERVER_HTTP_HANDLERS_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "protocol/infer_types.h"
#include "server/http/router.h"
#include "serving/inference_service.h"

namespace berth::server {

// What a handler answers; the session turns it into an HTTP response.
struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // > 0: the body is this many bytes of JSON followed by binary tensor data, announced in
  // the Inference-Header-Content-Length header.
  size_t json_header_size = 0;
  std::string allow;  // the Allow header of a 405
  // An infer reply's Berth-Model-Version and Berth-Model-Digest headers (empty: none).
  std::string model_version;
  std::string model_digest;
  // An infer reply's x-request-id header: the request id (empty: none).
  std::string request_id;
  // Where an answered infer request's time went (for the access log).
  protocol::InferTiming timing;
};

// The protocol's error reply: the mapped status and {"error": "..."}.
HttpReply ErrorReply(const absl::Status& status);

struct HandlerOptions {
  protocol::RequestLimits limits;
  std::string admin_token;  // empty: management calls need no token
};

// One request as the handlers see it.
struct HttpCall {
  RouteMatch match;
  std::string body;
  std::optional<size_t> json_header_size;  // the Inference-Header-Content-Length header
  std::string authorization;               // the Authorization header
  // Infer calls: the request id unless the body has an `id` (the valid x-request-id header,
  // else a generated id), and the client's traceparent header when well formed, else empty.
  std::string request_id;
  std::string traceparent;
};

using ReplyFn = std::function<void(HttpReply)>;

// Answers every route but infer (model_handlers.cc, repository_handlers.cc).
HttpReply HandleModelCall(serving::InferenceService& service, const HttpCall& call);
HttpReply HandleRepositoryCall(serving::InferenceService& service, const HandlerOptions& options,
                               const HttpCall& call);

// Answers POST /v2/models/NAME/feedback (feedback_handler.cc).
HttpReply HandleFeedback(serving::InferenceService& service, const HttpCall& call);

// Starts an infer call (infer_handler.cc); `reply` is called exactly once, possibly on a
// scheduler thread and possibly before this returns. `cancelled` turns true if the client
// goes away. The request is known by the body's `id` (refused when it is not a valid request
// id, server/common/request_id.h), else by call.request_id; every reply, errors too, carries
// that id in `request_id`.
void HandleInfer(serving::InferenceService& service, const HandlerOptions& options, HttpCall call,
                 std::shared_ptr<const std::atomic<bool>> cancelled, ReplyFn reply);

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_HANDLERS_H_
