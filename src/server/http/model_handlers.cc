// Health, server metadata, metrics, and the per-model endpoints: metadata, ready, config,
// stats.
#include "monitoring/metrics.h"
#include "protocol/metadata_json.h"
#include "protocol/statistics_json.h"
#include "protocol/status_codes.h"
#include "server/http/handlers.h"

namespace berth::server {

HttpReply ErrorReply(const absl::Status& status) {
  HttpReply reply;
  reply.status = protocol::HttpStatusFor(status);
  reply.body = protocol::ErrorJson(status);
  return reply;
}

namespace {

HttpReply Json(std::string body) {
  HttpReply reply;
  reply.body = std::move(body);
  return reply;
}

HttpReply Empty(int status) {
  HttpReply reply;
  reply.status = status;
  reply.content_type.clear();
  return reply;
}

HttpReply ModelReady(serving::InferenceService& service, const RouteMatch& m) {
  absl::StatusOr<bool> ready = service.ModelReady(m.model, m.version);
  if (!ready.ok()) return ErrorReply(ready.status());
  if (*ready) return Empty(200);
  // As Triton: a known model that is not ready is a 400 with a reason.
  return ErrorReply(absl::InvalidArgumentError("model '" + m.model + "' is not ready"));
}

}  // namespace

HttpReply HandleModelCall(serving::InferenceService& service, const HttpCall& call) {
  const RouteMatch& m = call.match;
  switch (m.route) {
    case Route::kHealthLive:
      return Empty(service.Live() ? 200 : 503);
    case Route::kHealthReady:
      return Empty(service.Ready() ? 200 : 503);
    case Route::kServerMetadata:
      return Json(service.ServerMetadataJson());
    case Route::kModelReady:
      return ModelReady(service, m);
    case Route::kModelMetadata: {
      absl::StatusOr<protocol::ModelMetadata> metadata = service.ModelMetadata(m.model, m.version);
      if (!metadata.ok()) return ErrorReply(metadata.status());
      absl::StatusOr<std::string> body = protocol::ModelMetadataJson(*metadata);
      return body.ok() ? Json(*std::move(body)) : ErrorReply(body.status());
    }
    case Route::kModelConfig: {
      absl::StatusOr<std::string> body = service.ModelConfigJson(m.model, m.version);
      return body.ok() ? Json(*std::move(body)) : ErrorReply(body.status());
    }
    case Route::kMetrics: {
      absl::StatusOr<std::string> text = service.MetricsText();
      if (!text.ok()) return ErrorReply(text.status());
      HttpReply reply = Json(*std::move(text));
      reply.content_type = monitoring::kExpositionContentType;
      return reply;
    }
    case Route::kModelStats: {
      absl::StatusOr<std::vector<protocol::VersionStatistics>> stats =
          service.Statistics(m.model, m.version);
      return stats.ok() ? Json(protocol::StatisticsJson(*stats)) : ErrorReply(stats.status());
    }
    default:
      return ErrorReply(absl::InternalError("route not handled by the model handlers"));
  }
}

}  // namespace berth::server
