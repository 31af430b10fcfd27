// POST /v2/models/{m}[/versions/{v}]/infer: JSON or the binary tensor extension.
#include "absl/strings/str_cat.h"
#include "protocol/json_codec.h"
#include "server/common/request_id.h"
#include "server/http/handlers.h"

namespace berth::server {
namespace {

HttpReply EncodeResponse(const serving::InferResult& result) {
  if (!result.ok()) return ErrorReply(result.status());
  std::string binary;
  absl::StatusOr<std::string> json = protocol::EncodeInferResponseJson(*result, &binary);
  if (!json.ok()) return ErrorReply(json.status());
  HttpReply reply;
  reply.model_version = result->model_version;
  reply.model_digest = result->model_digest;
  reply.timing = result->timing;
  bool any_binary = false;
  for (const protocol::InferOutput& o : result->outputs) any_binary |= o.binary;
  if (any_binary) {
    reply.json_header_size = json->size();
    reply.content_type = "application/octet-stream";
    reply.body = *std::move(json);
    reply.body += binary;
  } else {
    reply.body = *std::move(json);
  }
  protocol::CountResponseBytes(*result, static_cast<int64_t>(reply.body.size()));
  return reply;
}

HttpReply ErrorWithId(const absl::Status& status, std::string request_id) {
  HttpReply reply = ErrorReply(status);
  reply.request_id = std::move(request_id);
  return reply;
}

}  // namespace

void HandleInfer(serving::InferenceService& service, const HandlerOptions& options, HttpCall call,
                 std::shared_ptr<const std::atomic<bool>> cancelled, ReplyFn reply) {
  absl::string_view body = call.body;
  absl::string_view json = body, binary;
  const auto body_bytes = static_cast<int64_t>(body.size());
  if (call.json_header_size) {
    if (*call.json_header_size > body.size()) {
      service.CountUndecodable(call.match.model, call.match.version, body_bytes);
      return reply(ErrorWithId(absl::InvalidArgumentError(absl::StrCat(
                                   "Inference-Header-Content-Length is ", *call.json_header_size,
                                   " but the body has only ", body.size(), " bytes")),
                               std::move(call.request_id)));
    }
    json = body.substr(0, *call.json_header_size);
    binary = body.substr(*call.json_header_size);
  }
  absl::StatusOr<protocol::InferRequest> request =
      protocol::ParseInferRequestJson(json, binary, options.limits);
  if (!request.ok()) {
    service.CountUndecodable(call.match.model, call.match.version, body_bytes);
    return reply(ErrorWithId(request.status(), std::move(call.request_id)));
  }
  request->wire_bytes = body_bytes;
  if (!request->id.empty()) {
    absl::Status valid = ValidateRequestId(request->id, "the request's \"id\"");
    if (!valid.ok()) return reply(ErrorWithId(valid, std::move(call.request_id)));
    request->request_id = request->id;
  } else {
    request->request_id = std::move(call.request_id);
  }
  request->traceparent = std::move(call.traceparent);
  std::string request_id = request->request_id;
  service.Infer(call.match.model, call.match.version, *std::move(request), std::move(cancelled),
                [reply = std::move(reply),
                 request_id = std::move(request_id)](serving::InferResult result) mutable {
                  HttpReply encoded = EncodeResponse(result);
                  encoded.request_id = std::move(request_id);
                  reply(std::move(encoded));
                });
}

}  // namespace berth::server
