// POST /v2/models/NAME/feedback: the body goes to InferenceService::Feedback as it came; the
// answer is the joined prediction (protocol/feedback_json.h) or the protocol's error reply.
#include "protocol/feedback_json.h"
#include "server/http/handlers.h"

namespace berth::server {

HttpReply HandleFeedback(serving::InferenceService& service, const HttpCall& call) {
  absl::StatusOr<protocol::FeedbackReply> joined = service.Feedback(call.match.model, call.body);
  if (!joined.ok()) return ErrorReply(joined.status());
  HttpReply reply;
  reply.body = protocol::FeedbackReplyJson(*joined);
  return reply;
}

}  // namespace berth::server
