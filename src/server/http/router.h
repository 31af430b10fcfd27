// The REST routes of the Open Inference Protocol and its extensions, matched from a request's
// method and target. Pure: no I/O, so every route and every refusal is unit-tested.
//
//   GET  /v2/health/live | /v2/health/ready          GET  /v2   (server metadata)
//   GET  /v2/models/{m}[/versions/{v}]                (model metadata)
//   GET  /v2/models/{m}[/versions/{v}]/ready | /config | /stats
//   GET  /v2/models/stats                             (every model's statistics)
//   POST /v2/models/{m}[/versions/{v}]/infer
//   POST /v2/models/{m}/feedback                      (a label for an earlier prediction)
//   POST /v2/repository/index
//   POST /v2/repository/models/{m}/load | /unload
//   GET  /metrics                                     (Prometheus text format)
#ifndef BERTH_SERVER_HTTP_ROUTER_H_
#define BERTH_SERVER_HTTP_ROUTER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/names.h"

namespace berth::server {

enum class Route {
  kHealthLive,
  kHealthReady,
  kServerMetadata,
  kModelMetadata,
  kModelReady,
  kModelConfig,
  kModelStats,  // with an empty model: every model
  kInfer,
  kFeedback,  // per model: the label joins whichever version made the prediction
  kRepositoryIndex,
  kRepositoryLoad,
  kRepositoryUnload,
  kMetrics,
};

struct RouteMatch {
  Route route = Route::kHealthLive;
  std::string model;   // validated (common/names.h); empty where the route has none
  VersionRef version;  // the default when not given
  bool is_management() const {
    return route == Route::kRepositoryLoad || route == Route::kRepositoryUnload;
  }
};

// Matches `method` ("GET", "POST", ...) and `target` (path and optional query, which is
// ignored). Fails with InvalidArgument for a path holding "." or ".." segments, empty
// segments, an invalid model name or version (before anything else looks at them); NotFound
// for a path that is no route; FailedPrecondition with the allowed method in the message
// for a route called with another method (the server answers 405).
absl::StatusOr<RouteMatch> MatchRoute(absl::string_view method, absl::string_view target);

}  // namespace berth::server

#endif  // BERTH_SERVER_HTTP_ROUTER_H_
