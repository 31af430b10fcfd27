#include "server/http/router.h"

#include "gtest/gtest.h"

namespace berth::server {
namespace {

struct Case {
  const char* method;
  const char* target;
  Route route;
  const char* model;
  int64_t version;
};

TEST(RouterTest, EveryRoute) {
  const Case cases[] = {
      {"GET", "/v2/health/live", Route::kHealthLive, "", 0},
      {"GET", "/v2/health/ready", Route::kHealthReady, "", 0},
      {"GET", "/v2", Route::kServerMetadata, "", 0},
      {"GET", "/v2/", Route::kServerMetadata, "", 0},
      {"GET", "/v2/models/simple", Route::kModelMetadata, "simple", 0},
      {"GET", "/v2/models/simple/versions/3", Route::kModelMetadata, "simple", 3},
      {"GET", "/v2/models/simple/ready", Route::kModelReady, "simple", 0},
      {"GET", "/v2/models/simple/versions/2/ready", Route::kModelReady, "simple", 2},
      {"GET", "/v2/models/simple/config", Route::kModelConfig, "simple", 0},
      {"GET", "/v2/models/simple/versions/1/stats", Route::kModelStats, "simple", 1},
      {"GET", "/v2/models/stats", Route::kModelStats, "", 0},
      {"POST", "/v2/models/simple/infer", Route::kInfer, "simple", 0},
      {"POST", "/v2/models/simple/versions/7/infer?x=1", Route::kInfer, "simple", 7},
      {"POST", "/v2/models/simple/feedback", Route::kFeedback, "simple", 0},
      {"POST", "/v2/repository/index", Route::kRepositoryIndex, "", 0},
      {"POST", "/v2/repository/models/simple/load", Route::kRepositoryLoad, "simple", 0},
      {"POST", "/v2/repository/models/simple/unload", Route::kRepositoryUnload, "simple", 0},
      {"GET", "/metrics", Route::kMetrics, "", 0},
      {"GET", "/metrics?name[]=x", Route::kMetrics, "", 0},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RouteMatch> m = MatchRoute(c.method, c.target);
    ASSERT_TRUE(m.ok()) << c.target << ": " << m.status();
    EXPECT_EQ(m->route, c.route) << c.target;
    EXPECT_EQ(m->model, c.model) << c.target;
    EXPECT_EQ(m->version.number, c.version) << c.target;
    EXPECT_TRUE(m->version.alias.empty()) << c.target;
  }
}

TEST(RouterTest, AVersionSegmentMayBeAnAlias) {
  absl::StatusOr<RouteMatch> m = MatchRoute("POST", "/v2/models/simple/versions/production/infer");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->route, Route::kInfer);
  EXPECT_EQ(m->version.alias, "production");
  EXPECT_EQ(m->version.number, 0);
  EXPECT_FALSE(MatchRoute("GET", "/v2/models/simple/versions/prod%20x/ready").ok());
}

TEST(RouterTest, PathsThatClimbOrHideAreBadRequests) {
  for (const char* target :
       {"/v2/models/../x/infer", "/v2/models/a/../b/infer", "/v2/models/%2e%2e/infer",
        "/v2/models/.hidden", "/v2//models/x", "/v2/models/a%2Fb/ready",
        "/v2/repository/models/..%2fetc/load", "/v2/models/x/versions/0/ready",
        "/v2/models/x/versions/-1", "/v2/models/x/versions/01", "v2/models/x"}) {
    absl::StatusOr<RouteMatch> m = MatchRoute("GET", target);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << target << m.status();
  }
}

TEST(RouterTest, UnknownPathsAndWrongMethods) {
  EXPECT_EQ(MatchRoute("GET", "/v1/models").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/v2/models/x/bogus").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/v2/health").status().code(), absl::StatusCode::kNotFound);
  absl::Status wrong = MatchRoute("GET", "/v2/models/x/infer").status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.message().find("POST"), absl::string_view::npos);
  EXPECT_EQ(MatchRoute("POST", "/v2/health/live").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MatchRoute("GET", "/v2/models/x/feedback").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MatchRoute("POST", "/v2/models/x/versions/2/feedback").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("POST", "/v2/models/..%2fx/feedback").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::server
