// What `berth lambda` does with one invocation: the API Gateway proxy event's body is an Open
// Inference Protocol infer request (JSON, or JSON plus binary tensor data with the
// Inference-Header-Content-Length header), for the model the path names
// (POST /v2/models/{m}[/versions/{v}]/infer) or, on any other path, the default model. The
// answer is a proxy response carrying the protocol's JSON response, or its error JSON
// {"error": "..."} with the status the HTTP front end would give (protocol/status_codes.h).
// Only an event that is no proxy event at all becomes an invocation error.
//
// Thread safety: Handle may be called from several threads at once.
#ifndef BERTH_SERVER_LAMBDA_INVOCATION_HANDLER_H_
#define BERTH_SERVER_LAMBDA_INVOCATION_HANDLER_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "common/names.h"
#include "protocol/infer_types.h"
#include "server/lambda/runtime_client.h"
#include "serving/inference_service.h"

namespace berth::server::lambda {

struct HandlerOptions {
  protocol::RequestLimits limits;
  // The model (and version) of events whose path is not an infer route; empty: those get 404.
  std::string default_model;
  VersionRef default_version;
  // The answer is sent this long before the invocation's deadline at the latest (a request
  // still running then gets 504), so that it reaches the Runtime API in time.
  std::chrono::milliseconds deadline_margin{20};
};

// The answer to one invocation: a proxy response's JSON, or an invocation error.
struct Outcome {
  bool failed = false;
  std::string response;  // the proxy response (when !failed)
  std::string error_type;
  std::string error_message;
  int status_code = 0;  // the proxy response's status, for the logs
};

class InvocationHandler {
 public:
  // `service` must outlive the handler.
  InvocationHandler(serving::InferenceService* service, HandlerOptions options);

  // Answers `invocation`; `now` is the current time (the deadline is checked against it).
  Outcome Handle(const Invocation& invocation, std::chrono::system_clock::time_point now);

 private:
  serving::InferenceService* const service_;
  const HandlerOptions options_;
};

}  // namespace berth::server::lambda

#endif  // BERTH_SERVER_LAMBDA_INVOCATION_HANDLER_H_
