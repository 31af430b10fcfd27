#include "server/admin/admin_request.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::server::admin {
namespace {

void ExpectRefused(const absl::Status& status, const std::string& naming) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(naming), std::string::npos)
      << "'" << status.message() << "' does not name " << naming;
}

TEST(AdminRequestTest, SetAliasReadsEveryField) {
  absl::StatusOr<SetAliasRequest> r =
      ParseSetAliasRequest(R"({"version": 3, "reason": "fix", "actor": "ann"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, 3);
  EXPECT_EQ(r->reason, "fix");
  EXPECT_EQ(r->actor, "ann");
  r = ParseSetAliasRequest(R"({"version": 1})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->actor, kDefaultActor);
  EXPECT_EQ(r->reason, "");
}

TEST(AdminRequestTest, SetAliasRefusesBadBodies) {
  ExpectRefused(ParseSetAliasRequest("").status(), "not valid JSON");
  ExpectRefused(ParseSetAliasRequest("{\"version\": 1").status(), "not valid JSON");
  ExpectRefused(ParseSetAliasRequest("[1]").status(), "JSON object");
  ExpectRefused(ParseSetAliasRequest("{}").status(), "'version' is missing");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 0})").status(), "'version'");
  ExpectRefused(ParseSetAliasRequest(R"({"version": "3"})").status(), "'version'");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 1.5})").status(), "'version'");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 1, "verison": 2})").status(), "'verison'");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 1, "actor": ""})").status(), "'actor'");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 1, "reason": "a\nb"})").status(),
                "control character");
  ExpectRefused(ParseSetAliasRequest(R"({"version": 1, "reason": 7})").status(), "'reason'");
  const std::string huge =
      R"({"version": 1, "reason": ")" + std::string(kMaxJsonBodyBytes, 'x') + R"("})";
  ExpectRefused(ParseSetAliasRequest(huge).status(), "larger than");
}

TEST(AdminRequestTest, AliasActionDefaultsToProduction) {
  absl::StatusOr<AliasActionRequest> r = ParseAliasActionRequest("{}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->alias, "production");
  r = ParseAliasActionRequest(R"({"alias": "canary", "reason": "bad"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->alias, "canary");
  EXPECT_EQ(r->reason, "bad");
  ExpectRefused(ParseAliasActionRequest(R"({"alias": "7"})").status(), "7");
  ExpectRefused(ParseAliasActionRequest(R"({"alias": "a/b"})").status(), "a/b");
  ExpectRefused(ParseAliasActionRequest(R"({"alias": 7})").status(), "'alias'");
  ExpectRefused(ParseAliasActionRequest(R"({"version": 7})").status(), "'version'");
}

TEST(AdminRequestTest, StartRolloutReadsTheSpec) {
  absl::StatusOr<StartRolloutRequest> r = ParseStartRolloutRequest(
      R"({"alias": "production", "candidate": 2, "canary_percent": 25.5, "shadow": true,
          "max_error_rate": 0.2, "max_p99_ratio": 3, "min_requests": 5, "bake_secs": 0,
          "actor": "ci"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->spec.alias, "production");
  EXPECT_EQ(r->spec.candidate, 2);
  EXPECT_DOUBLE_EQ(r->spec.canary_percent, 25.5);
  EXPECT_TRUE(r->spec.shadow);
  EXPECT_DOUBLE_EQ(r->spec.max_error_rate, 0.2);
  EXPECT_DOUBLE_EQ(r->spec.max_p99_ratio, 3);
  EXPECT_EQ(r->spec.min_requests, 5);
  EXPECT_EQ(r->spec.bake_secs, 0);
  EXPECT_EQ(r->actor, "ci");
  r = ParseStartRolloutRequest(R"({"candidate": 4})");
  ASSERT_TRUE(r.ok()) << r.status();
  const registry::RolloutSpec defaults;
  EXPECT_EQ(r->spec.alias, "production");
  EXPECT_EQ(r->spec.canary_percent, defaults.canary_percent);
  EXPECT_EQ(r->spec.bake_secs, defaults.bake_secs);
}

TEST(AdminRequestTest, StartRolloutRefusesBadFields) {
  ExpectRefused(ParseStartRolloutRequest("{}").status(), "'candidate' is missing");
  ExpectRefused(ParseStartRolloutRequest(R"({"candidate": 2, "shadow": "yes"})").status(),
                "'shadow'");
  ExpectRefused(ParseStartRolloutRequest(R"({"candidate": 2, "canary_percent": "5"})").status(),
                "'canary_percent'");
  ExpectRefused(ParseStartRolloutRequest(R"({"candidate": 2, "bake_secs": 1.5})").status(),
                "'bake_secs'");
  ExpectRefused(ParseStartRolloutRequest(R"({"candidate": 2, "canary": 5})").status(), "'canary'");
}

TEST(AdminRequestTest, ForceFieldsAreRead) {
  absl::StatusOr<SetAliasRequest> set =
      ParseSetAliasRequest(R"({"version": 2, "reason": "hotfix", "force": true})");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->force);
  EXPECT_FALSE(ParseSetAliasRequest(R"({"version": 2})")->force);
  ExpectRefused(ParseSetAliasRequest(R"({"version": 2, "force": "yes"})").status(), "'force'");
  absl::StatusOr<StartRolloutRequest> start =
      ParseStartRolloutRequest(R"({"candidate": 2, "force": true, "reason": "try"})");
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_TRUE(start->override.force);
  EXPECT_EQ(start->override.reason, "try");
}

TEST(AdminRequestTest, ProtectReadsRequirementAndFigures) {
  absl::StatusOr<ProtectRequest> r = ParseProtectRequest(
      R"({"require": "validation", "min_accuracy": 0.9, "max_p99_ms": 5, "actor": "ann"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->protection.require, "validation");
  EXPECT_EQ(r->protection.min_accuracy, 0.9);
  EXPECT_EQ(r->protection.max_p99_ms, 5.0);
  EXPECT_EQ(r->protection.created_by, "ann");
  r = ParseProtectRequest(R"({"require": "validation", "min_accuracy": null})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->protection.min_accuracy, std::nullopt);
  EXPECT_EQ(r->protection.created_by, kDefaultActor);
  ExpectRefused(ParseProtectRequest("{}").status(), "'require' is missing");
  ExpectRefused(ParseProtectRequest(R"({"require": 1})").status(), "'require'");
  ExpectRefused(
      ParseProtectRequest(R"({"require": "validation", "min_accuracy": "high"})").status(),
      "'min_accuracy'");
  ExpectRefused(ParseProtectRequest(R"({"require": "validation", "p99": 5})").status(), "'p99'");
}

}  // namespace
}  // namespace berth::server::admin
