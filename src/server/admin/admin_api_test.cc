// AdminApi against a real SQLite registry: authentication first, every route's answer (read
// back with registry/record_json.h), and refusals that change nothing.
#include "server/admin/admin_api.h"

#include <string>

#include "gtest/gtest.h"
#include "registry/record_json.h"
#include "registry/registry_test_util.h"
#include "server/admin/admin_request.h"
#include "server/admin/admin_test_util.h"

namespace berth::server::admin {
namespace {

constexpr char kToken[] = "s3cret-token";
constexpr char kAuth[] = "Bearer s3cret-token";

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = testing::SeededAdminApi(kToken, /*production=*/true);
    ASSERT_NE(api_, nullptr);
  }

  AdminReply Call(absl::string_view method, absl::string_view target, absl::string_view body = "",
                  absl::string_view auth = kAuth) {
    return api_->Handle(method, target, auth, body);
  }

  std::string History() { return Call("GET", "/v1/models/m/history").body; }

  std::unique_ptr<AdminApi> api_;
};

TEST_F(AdminApiTest, RefusesAnEmptyToken) {
  absl::StatusOr<std::unique_ptr<registry::Registry>> r =
      registry::Registry::Open("sqlite:" + registry::testing::MakeTempDir() + "/r.db");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(AdminApi::Create(std::move(*r), "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminApiTest, EveryCallWithoutTheTokenIs401AndChangesNothing) {
  const std::string before = History();
  for (absl::string_view auth : {"", "Bearer wrong", "s3cret-token", "Basic s3cret-token"}) {
    for (const auto& [method, target] : std::vector<std::pair<const char*, const char*>>{
             {"GET", "/v1/models"},
             {"PUT", "/v1/models/m/aliases/production"},
             {"PUT", "/v1/models/m/protections/production"},
             {"DELETE", "/v1/models/m/protections/production"},
             {"GET", "/v1/models/m/protections"},
             {"GET", "/no/such/route"},
             {"DELETE", "/v1/models"}}) {
      AdminReply reply = Call(method, target, R"({"version": 2})", auth);
      EXPECT_EQ(reply.status, 401) << method << " " << target << " with '" << auth << "'";
      EXPECT_TRUE(reply.challenge);
      EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << reply.body;
    }
  }
  EXPECT_EQ(History(), before);
}

TEST_F(AdminApiTest, ReadsVersionsAndAliases) {
  AdminReply reply = Call("GET", "/v1/models");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"(["m"])");

  reply = Call("GET", "/v1/models/m/versions");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<std::vector<registry::ModelVersion>> versions =
      registry::VersionsFromJson(reply.body);
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[0].pushed_by, "ann");
  EXPECT_NE(reply.body.find(R"("aliases":["production"])"), std::string::npos) << reply.body;

  reply = Call("GET", "/v1/models/m/versions/production");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::ModelVersion> v = registry::VersionFromJson(reply.body);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->version, 1);

  reply = Call("GET", "/v1/models/m/aliases");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<std::vector<registry::Alias>> aliases = registry::AliasesFromJson(reply.body);
  ASSERT_TRUE(aliases.ok()) << aliases.status();
  ASSERT_EQ(aliases->size(), 1u);
  EXPECT_EQ((*aliases)[0].alias, "production");
}

TEST_F(AdminApiTest, MovesAliasesAndRollsBack) {
  AdminReply reply = Call("PUT", "/v1/models/m/aliases/production",
                          R"({"version": 2, "reason": "better", "actor": "bob"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::DeploymentRecord> moved = registry::DeploymentFromJson(reply.body);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->from_version, 1);
  EXPECT_EQ(moved->to_version, 2);
  EXPECT_EQ(moved->actor, "bob");
  EXPECT_EQ(moved->reason, "better");

  reply = Call("POST", "/v1/models/m/rollback", R"({"alias": "production"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  moved = registry::DeploymentFromJson(reply.body);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->to_version, 1);
  EXPECT_EQ(moved->actor, kDefaultActor);

  absl::StatusOr<std::vector<registry::DeploymentRecord>> history =
      registry::DeploymentsFromJson(History());
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->size(), 3u);

  reply = Call("GET", "/v1/models/m/history?alias=production&at=2999-01-01T00:00:00Z");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("version":1)"), std::string::npos) << reply.body;
}

TEST_F(AdminApiTest, StartsListsAndAbortsRollouts) {
  AdminReply reply = Call("POST", "/v1/models/m/rollouts",
                          R"({"alias": "production", "candidate": 2, "canary_percent": 20})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::Rollout> started = registry::RolloutFromJson(reply.body);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->baseline, 1);
  EXPECT_EQ(started->spec.candidate, 2);
  EXPECT_EQ(started->state, registry::RolloutState::kActive);

  // A second one on the same alias is refused.
  reply = Call("POST", "/v1/models/m/rollouts", R"({"candidate": 2})");
  EXPECT_EQ(reply.status, 400) << reply.body;

  reply = Call("POST", "/v1/models/m/rollouts/abort", R"({"reason": "enough"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::Rollout> aborted = registry::RolloutFromJson(reply.body);
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(aborted->state, registry::RolloutState::kAborted);
  EXPECT_EQ(aborted->reason, "enough");

  reply = Call("GET", "/v1/models/m/rollouts");
  absl::StatusOr<std::vector<registry::Rollout>> all = registry::RolloutsFromJson(reply.body);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(AdminApiTest, RefusalsMapToTheirStatusAndChangeNothing) {
  const std::string before = History();
  EXPECT_EQ(Call("GET", "/v1/models/nope/versions").status, 404);
  EXPECT_EQ(Call("GET", "/v1/models/m/versions/9").status, 404);
  EXPECT_EQ(Call("GET", "/v1/models/m/versions/staging").status, 404);
  EXPECT_EQ(Call("PUT", "/v1/models/m/aliases/production", R"({"version": 9})").status, 404);
  EXPECT_EQ(Call("PUT", "/v1/models/m/aliases/production", R"({"version": 2)").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/models/m/aliases/production", R"({"version": -2})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/models/m/aliases/123", R"({"version": 2})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/models/bad%20name/aliases/x", R"({"version": 2})").status, 400);
  EXPECT_EQ(Call("GET", "/v1/models/m/history?at=yesterday").status, 400);
  EXPECT_EQ(Call("GET", "/v1/models/m/nothing").status, 404);
  AdminReply reply = Call("DELETE", "/v1/models/m/aliases/production");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.allow, "PUT");
  EXPECT_EQ(History(), before);
}

TEST_F(AdminApiTest, ProtectsGatesAndForces) {
  AdminReply reply = Call("PUT", "/v1/models/m/protections/production",
                          R"({"require": "validation", "max_p99_ms": 5, "actor": "ann"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::Protection> set = registry::ProtectionFromJson(reply.body);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->max_p99_ms, 5.0);
  EXPECT_EQ(set->alias, "production");
  reply = Call("GET", "/v1/models/m/protections");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(registry::ProtectionsFromJson(reply.body)->size(), 1u);

  reply = Call("GET", "/v1/models/m/versions/production/gates");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<std::vector<registry::GateVerdict>> gates =
      registry::GateVerdictsFromJson(reply.body);
  ASSERT_TRUE(gates.ok()) << gates.status();
  ASSERT_EQ(gates->size(), 1u);
  EXPECT_EQ((*gates)[0].protection.max_p99_ms, 5.0);
  ASSERT_EQ((*gates)[0].reasons.size(), 1u);
  EXPECT_NE((*gates)[0].reasons[0].find("no validation report"), std::string::npos);
  EXPECT_NE(reply.body.find(R"("passes":false)"), std::string::npos) << reply.body;
  EXPECT_EQ(Call("GET", "/v1/models/m/versions/7/gates").status, 404);

  const std::string before = History();
  reply = Call("PUT", "/v1/models/m/aliases/production", R"({"version": 2})");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("version 2 of model 'm' cannot go behind protected alias"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find(R"("code":9)"), std::string::npos) << reply.body;
  reply = Call("POST", "/v1/models/m/rollouts", R"({"candidate": 2})");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(Call("PUT", "/v1/models/m/protections/production", R"({"require": "signoff"})").status,
            400);
  EXPECT_EQ(History(), before);

  reply = Call("PUT", "/v1/models/m/aliases/production",
               R"({"version": 2, "force": true, "reason": "urgent fix"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(registry::DeploymentFromJson(reply.body)->forced);

  reply = Call("DELETE", "/v1/models/m/protections/production");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "[]");
  EXPECT_EQ(Call("DELETE", "/v1/models/m/protections/production").status, 404);
  EXPECT_EQ(Call("GET", "/v1/models/nope/protections").status, 404);
}

TEST_F(AdminApiTest, ServesAVersionsDocumentWithItsBody) {
  std::string uri;
  api_ = testing::SeededAdminApi(kToken, /*production=*/true, &uri);
  ASSERT_NE(api_, nullptr);
  const std::string report = registry::testing::ValidationReportJson(true, 0.97, 1.5);
  {
    absl::StatusOr<std::unique_ptr<registry::Registry>> writer = registry::Registry::Open(uri);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->PutDocument("m", "1", "validation", report, "ci").ok());
  }
  AdminReply reply = Call("GET", "/v1/models/m/versions/production/documents/validation");
  ASSERT_EQ(reply.status, 200) << reply.body;
  absl::StatusOr<registry::VersionDocument> doc = registry::DocumentFromJson(reply.body);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->version, 1);
  EXPECT_EQ(doc->kind, "validation");
  EXPECT_EQ(doc->body, report);
  EXPECT_EQ(doc->created_by, "ci");
  reply = Call("GET", "/v1/models/m/versions/2/documents/validation");
  EXPECT_EQ(reply.status, 404) << reply.body;
  EXPECT_NE(reply.body.find("has no 'validation' document"), std::string::npos) << reply.body;
  EXPECT_EQ(Call("GET", "/v1/models/m/versions/9/documents/validation").status, 404);
  EXPECT_EQ(Call("GET", "/v1/models/m/versions/1/documents/validation", "", "Bearer no").status,
            401);
}

}  // namespace
}  // namespace berth::server::admin
