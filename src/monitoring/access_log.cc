#include "monitoring/access_log.h"

namespace berth::monitoring {

void LogAccess(const AccessRecord& r) {
  if (!AccessLogEnabled()) return;
  LogFields fields;
  fields.Add("request_id", r.request_id).Add("protocol", r.protocol).Add("model", r.model);
  if (!r.version.empty()) fields.Add("version", r.version);
  fields.Add("status", r.status)
      .Add("duration_us", r.duration_us)
      .Add("queue_us", r.queue_us)
      .Add("compute_us", r.compute_us)
      .Add("bytes_in", r.bytes_in)
      .Add("bytes_out", r.bytes_out)
      .Add("peer", r.peer);
  if (!r.traceparent.empty()) fields.Add("traceparent", r.traceparent);
  Log(spdlog::level::info, "access", fields);
}

}  // namespace berth::monitoring
