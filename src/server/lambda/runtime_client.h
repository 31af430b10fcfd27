// A client of the AWS Lambda Runtime API (the custom runtime's side), over plain HTTP/1.1 to
// the host:port in AWS_LAMBDA_RUNTIME_API, with Beast:
//
//   GET  /2018-06-01/runtime/invocation/next              -> the event, with headers
//        Lambda-Runtime-Aws-Request-Id and Lambda-Runtime-Deadline-Ms
//   POST /2018-06-01/runtime/invocation/{id}/response     <- the function's answer
//   POST /2018-06-01/runtime/invocation/{id}/error        <- {"errorMessage", "errorType"}
//   POST /2018-06-01/runtime/init/error                   <- the same, when init failed
//
// One connection per call (the API is on loopback). Thread safety: one thread at a time.
#ifndef BERTH_SERVER_LAMBDA_RUNTIME_CLIENT_H_
#define BERTH_SERVER_LAMBDA_RUNTIME_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::server::lambda {

struct Invocation {
  std::string request_id;  // 1 to 256 letters, digits, '-' or '_'
  // The invocation's deadline in milliseconds since the Unix epoch; 0 when not given.
  int64_t deadline_ms = 0;
  std::string event;       // the event's bytes; empty when too_large
  bool too_large = false;  // the event was longer than the limit and was not read
};

class RuntimeClient {
 public:
  // `endpoint`: "host:port" (AWS_LAMBDA_RUNTIME_API's form). InvalidArgument when it is not
  // one; the host is resolved (Unavailable when it cannot be). `post_timeout` bounds each
  // POST's sending and the wait for its answer (not Next, which waits for events).
  static absl::StatusOr<std::unique_ptr<RuntimeClient>> Create(
      absl::string_view endpoint, std::chrono::milliseconds post_timeout);
  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Waits (without a time limit: the API answers when an event comes) for the next
  // invocation. Events longer than `max_event_bytes` come back too_large, unread. Unavailable
  // when the API cannot be reached or answers anything but 200 with a valid request id.
  absl::StatusOr<Invocation> Next(uint64_t max_event_bytes);

  // Sends the answer of invocation `request_id`. Unavailable when the API cannot be reached
  // or does not answer within the post timeout;
  // FailedPrecondition naming the status when it refuses the answer (413: too large).
  absl::Status Respond(const std::string& request_id, const std::string& body);

  // Reports that invocation `request_id` failed (errorType e.g. "Runtime.InvalidEvent").
  absl::Status ReportInvocationError(const std::string& request_id, absl::string_view type,
                                     absl::string_view message);

  // Reports that the runtime could not start; the process should exit afterwards.
  absl::Status ReportInitError(absl::string_view type, absl::string_view message);

  class Impl;  // runtime_client.cc

 private:
  explicit RuntimeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// {"errorMessage": message, "errorType": type}, escaped.
std::string RuntimeErrorJson(absl::string_view type, absl::string_view message);

}  // namespace berth::server::lambda

#endif  // BERTH_SERVER_LAMBDA_RUNTIME_CLIENT_H_
