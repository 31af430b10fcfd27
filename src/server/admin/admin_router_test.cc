#include "server/admin/admin_router.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::server::admin {
namespace {

absl::StatusOr<AdminRouteMatch> Match(absl::string_view method, absl::string_view target,
                                      std::string* allow = nullptr) {
  std::string ignored;
  return MatchAdminRoute(method, target, allow != nullptr ? allow : &ignored);
}

AdminRoute RouteOf(absl::string_view method, absl::string_view target) {
  absl::StatusOr<AdminRouteMatch> m = Match(method, target);
  EXPECT_TRUE(m.ok()) << method << " " << target << ": " << m.status();
  return m.ok() ? m->route : AdminRoute::kModels;
}

TEST(AdminRouterTest, MatchesEveryRoute) {
  EXPECT_EQ(RouteOf("GET", "/v1/models"), AdminRoute::kModels);
  EXPECT_EQ(RouteOf("GET", "/v1/models/"), AdminRoute::kModels);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/versions"), AdminRoute::kVersions);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/versions/3"), AdminRoute::kVersion);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/versions/production"), AdminRoute::kVersion);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/aliases"), AdminRoute::kAliases);
  EXPECT_EQ(RouteOf("PUT", "/v1/models/m/aliases/production"), AdminRoute::kSetAlias);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/history"), AdminRoute::kHistory);
  EXPECT_EQ(RouteOf("POST", "/v1/models/m/rollback"), AdminRoute::kRollback);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/rollouts"), AdminRoute::kRollouts);
  EXPECT_EQ(RouteOf("POST", "/v1/models/m/rollouts"), AdminRoute::kStartRollout);
  EXPECT_EQ(RouteOf("POST", "/v1/models/m/rollouts/abort"), AdminRoute::kAbortRollout);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/protections"), AdminRoute::kProtections);
  EXPECT_EQ(RouteOf("PUT", "/v1/models/m/protections/production"), AdminRoute::kProtect);
  EXPECT_EQ(RouteOf("DELETE", "/v1/models/m/protections/production"), AdminRoute::kUnprotect);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/versions/3/gates"), AdminRoute::kGates);
  EXPECT_EQ(RouteOf("GET", "/v1/models/m/versions/production/gates"), AdminRoute::kGates);
  EXPECT_EQ(Match("GET", "/v1/models/m/versions/01/gates").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AdminRouterTest, ProtectionRoutesValidateTheAlias) {
  absl::StatusOr<AdminRouteMatch> m = Match("PUT", "/v1/models/m/protections/staging");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->alias, "staging");
  EXPECT_EQ(Match("DELETE", "/v1/models/m/protections/12").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string allow;
  m = Match("POST", "/v1/models/m/protections/production", &allow);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(allow, "PUT, DELETE");
  EXPECT_EQ(Match("GET", "/v1/models/m/protections/a/b").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(AdminRouterTest, TheDocumentRouteValidatesVersionAndKind) {
  absl::StatusOr<AdminRouteMatch> m =
      Match("GET", "/v1/models/m/versions/production/documents/validation");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->route, AdminRoute::kDocument);
  EXPECT_EQ(m->ref, "production");
  EXPECT_EQ(m->kind, "validation");
  EXPECT_EQ(Match("GET", "/v1/models/m/versions/3/documents/-x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/versions/3/documents/a%2Fb").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/versions/3/documents").status().code(),
            absl::StatusCode::kNotFound);
  std::string allow;
  EXPECT_EQ(Match("PUT", "/v1/models/m/versions/3/documents/validation", &allow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(allow, "GET");
}

TEST(AdminRouterTest, ExtractsPathParameters) {
  absl::StatusOr<AdminRouteMatch> m = Match("PUT", "/v1/models/resnet-50/aliases/canary");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->model, "resnet-50");
  EXPECT_EQ(m->alias, "canary");
  m = Match("GET", "/v1/models/m/versions/12");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->ref, "12");
}

TEST(AdminRouterTest, HistoryTakesAliasAndAtDecoded) {
  absl::StatusOr<AdminRouteMatch> m =
      Match("GET", "/v1/models/m/history?alias=production&at=2026-12-06T21%3A55%3A10Z");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->query.at("alias"), "production");
  EXPECT_EQ(m->query.at("at"), "2026-12-06T21:55:10Z");
}

TEST(AdminRouterTest, RefusesBadQueries) {
  EXPECT_EQ(Match("GET", "/v1/models/m/history?colour=red").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/versions?alias=x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/history?alias=12").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/history?alias=a%2").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Match("GET", "/v1/models/m/history?alias=a&alias=b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AdminRouterTest, ValidatesNamesBeforeAnythingElse) {
  for (const char* target :
       {"/v1/models/bad%20name/versions", "/v1/models/.hidden/aliases", "/v1/models/m/../x",
        "/v1/models//versions", "/v1/models/m/versions/01", "/v1/models/m/versions/-1",
        "/v1/models/m/versions/bad%2Fref"}) {
    absl::StatusOr<AdminRouteMatch> m = Match("GET", target);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << target;
  }
  absl::StatusOr<AdminRouteMatch> m = Match("PUT", "/v1/models/m/aliases/42");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("42"), std::string::npos) << m.status();
}

TEST(AdminRouterTest, UnknownPathsAreNotFound) {
  for (const char* target :
       {"/", "/v2/models", "/v1", "/v1/other", "/v1/models/m", "/v1/models/m/nothing",
        "/v1/models/m/rollouts/pause", "/v1/models/m/versions/1/extra"}) {
    EXPECT_EQ(Match("GET", target).status().code(), absl::StatusCode::kNotFound) << target;
  }
}

TEST(AdminRouterTest, WrongMethodNamesTheAllowedOnes) {
  std::string allow;
  absl::StatusOr<AdminRouteMatch> m = Match("DELETE", "/v1/models/m/rollouts", &allow);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(allow, "GET, POST");
  m = Match("GET", "/v1/models/m/aliases/production", &allow);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(allow, "PUT");
  m = Match("POST", "/v1/models", &allow);
  EXPECT_EQ(allow, "GET");
  // A refusal of another kind leaves it empty.
  m = Match("GET", "/v1/nothing", &allow);
  EXPECT_EQ(allow, "");
}

}  // namespace
}  // namespace berth::server::admin
