// The access log: one line per answered inference request (HTTP and gRPC), written by the
// front ends once the reply is on its way, at level info:
//
//   {"time":"...","level":"info","message":"access","request_id":"5f0c...","protocol":"http",
//    "model":"resnet","version":"3","status":"200","duration_us":812,"queue_us":40,
//    "compute_us":610,"bytes_in":602,"bytes_out":4123,"peer":"127.0.0.1:50312",
//    "traceparent":"00-..."}
//
// `version` is the one that answered (absent when none did), `status` the HTTP status or the
// gRPC code name (a string either way, so the field keeps one type), `traceparent` only when
// the client sent a well-formed one. Nothing from the request's body but its size: never
// tensor data, tokens or Authorization headers. Other routes are not access-logged.
#ifndef BERTH_MONITORING_ACCESS_LOG_H_
#define BERTH_MONITORING_ACCESS_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "monitoring/logging.h"

namespace berth::monitoring {

struct AccessRecord {
  absl::string_view request_id;
  absl::string_view protocol;  // "http" or "grpc"
  absl::string_view model;     // validated by the router / the service before it gets here
  absl::string_view version;   // empty: no version answered
  absl::string_view status;
  int64_t duration_us = 0;  // from the request's arrival to its reply
  int64_t queue_us = 0;
  int64_t compute_us = 0;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  absl::string_view peer;
  absl::string_view traceparent;  // empty: none
};

// Writes `record` when AccessLogEnabled(); callers check that first to skip gathering it.
void LogAccess(const AccessRecord& record);

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_ACCESS_LOG_H_
