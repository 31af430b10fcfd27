#include "server/http/router.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "server/common/listen.h"

namespace berth::server {
namespace {

// A match with no model or version.
RouteMatch Plain(Route route) {
  RouteMatch match;
  match.route = route;
  return match;
}

using Segments = std::vector<absl::string_view>;

absl::StatusOr<RouteMatch> Want(absl::string_view method, absl::string_view allowed,
                                RouteMatch match) {
  if (method != allowed) {
    return absl::FailedPreconditionError(
        absl::StrCat("this endpoint takes ", allowed, ", not ", method));
  }
  return match;
}

// /v2/models/... after "models": {m}[/versions/{v}][/action].
absl::StatusOr<RouteMatch> ModelRoute(absl::string_view method, const Segments& s) {
  if (s.size() == 3 && s[2] == "stats") return Want(method, "GET", Plain(Route::kModelStats));
  RouteMatch match;
  match.model = std::string(s[2]);
  RETURN_IF_ERROR(ValidateModelName(match.model));
  size_t next = 3;
  if (s.size() > next && s[next] == "versions") {
    if (s.size() == next + 1) return absl::NotFoundError("no version after 'versions'");
    ASSIGN_OR_RETURN(match.version, ParseVersionRef(s[next + 1]));
    if (match.version.is_default()) return absl::InvalidArgumentError("the version is empty");
    next += 2;
  }
  if (s.size() == next) {
    match.route = Route::kModelMetadata;
    return Want(method, "GET", match);
  }
  if (s.size() != next + 1) return absl::NotFoundError("no such endpoint");
  const absl::string_view action = s[next];
  if (action == "infer") {
    match.route = Route::kInfer;
    return Want(method, "POST", match);
  }
  if (action == "feedback") {
    if (!match.version.is_default()) {
      return absl::NotFoundError(
          "feedback is per model (POST /v2/models/NAME/feedback): the prediction's version is "
          "known from its id");
    }
    match.route = Route::kFeedback;
    return Want(method, "POST", match);
  }
  if (action == "ready") {
    match.route = Route::kModelReady;
  } else if (action == "config") {
    match.route = Route::kModelConfig;
  } else if (action == "stats") {
    match.route = Route::kModelStats;
  } else {
    return absl::NotFoundError(absl::StrCat("no endpoint '", action, "' for a model"));
  }
  return Want(method, "GET", match);
}

absl::StatusOr<RouteMatch> RepositoryRoute(absl::string_view method, const Segments& s) {
  if (s.size() == 3 && s[2] == "index") return Want(method, "POST", Plain(Route::kRepositoryIndex));
  if (s.size() != 5 || s[2] != "models") return absl::NotFoundError("no such endpoint");
  RouteMatch match;
  match.model = std::string(s[3]);
  RETURN_IF_ERROR(ValidateModelName(match.model));
  if (s[4] == "load") {
    match.route = Route::kRepositoryLoad;
  } else if (s[4] == "unload") {
    match.route = Route::kRepositoryUnload;
  } else {
    return absl::NotFoundError(absl::StrCat("no repository endpoint '", s[4], "'"));
  }
  return Want(method, "POST", match);
}

}  // namespace

absl::StatusOr<RouteMatch> MatchRoute(absl::string_view method, absl::string_view target) {
  ASSIGN_OR_RETURN(Segments s, SplitRequestPath(target));
  if (s.size() == 1 && s[0] == "metrics") return Want(method, "GET", Plain(Route::kMetrics));
  if (s.empty() || s[0] != "v2") return absl::NotFoundError("no such endpoint (try /v2)");
  if (s.size() == 1) return Want(method, "GET", Plain(Route::kServerMetadata));
  if (s[1] == "health" && s.size() == 3) {
    if (s[2] == "live") return Want(method, "GET", Plain(Route::kHealthLive));
    if (s[2] == "ready") return Want(method, "GET", Plain(Route::kHealthReady));
  }
  if (s[1] == "models" && s.size() >= 3) return ModelRoute(method, s);
  if (s[1] == "repository" && s.size() >= 3) return RepositoryRoute(method, s);
  return absl::NotFoundError("no such endpoint");
}

}  // namespace berth::server
