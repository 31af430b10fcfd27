// AdminClient (the CLI's --admin-url) against a real AdminServer over a SQLite registry, in
// process: the records it reads back, and errors mapped back to their codes and messages.
#include "admin_client.h"

#include "gtest/gtest.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_server.h"
#include "server/admin/admin_test_util.h"

namespace berth::cli {
namespace {

TEST(ParseAdminUrlTest, AcceptsHostAndPort) {
  absl::StatusOr<AdminUrl> u = ParseAdminUrl("http://127.0.0.1:8002");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8002");
  u = ParseAdminUrl("http://[::1]:9/");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9");
}

TEST(ParseAdminUrlTest, RefusesWhatItCannotCall) {
  for (const char* url :
       {"127.0.0.1:8002", "https://127.0.0.1:8002", "http://127.0.0.1", "http://:8002",
        "http://h:0", "http://h:99999", "http://h:80/v1", "http://[::1:80", "http://h:8x"}) {
    absl::StatusOr<AdminUrl> u = ParseAdminUrl(url);
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_NE(u.status().message().find(url), std::string::npos) << u.status();
  }
}

TEST(QueryEscapeTest, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(QueryEscape("a-Z_0.~"), "a-Z_0.~");
  EXPECT_EQ(QueryEscape("2026-12-06T21:55:10Z"), "2026-12-06T21%3A55%3A10Z");
  EXPECT_EQ(QueryEscape("a b/&+%"), "a%20b%2F%26%2B%25");
}

class AdminClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = server::admin::testing::SeededAdminApi("tok", /*production=*/false);
    ASSERT_NE(api_, nullptr);
    auto admin = server::admin::AdminServer::Start({}, api_.get());
    ASSERT_TRUE(admin.ok()) << admin.status();
    server_ = std::move(*admin);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  std::unique_ptr<AdminClient> Client(const std::string& token = "tok") {
    absl::StatusOr<std::unique_ptr<AdminClient>> c = AdminClient::Create(url_, token);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::unique_ptr<server::admin::AdminApi> api_;
  std::unique_ptr<server::admin::AdminServer> server_;
  std::string url_;
};

TEST_F(AdminClientTest, ReadsAndWritesTheRegistry) {
  std::unique_ptr<AdminClient> c = Client();
  absl::StatusOr<registry::DeploymentRecord> moved =
      c->SetAlias("m", "production", 2, "bob", "r", false);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->to_version, 2);
  EXPECT_EQ(moved->actor, "bob");
  absl::StatusOr<std::vector<registry::ModelVersion>> versions = c->Versions("m");
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].pushed_by, "ann");
  absl::StatusOr<registry::ModelVersion> shown = c->Show("m", "production");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->version, 2);
  EXPECT_EQ(shown->digest, (*versions)[1].digest);
  absl::StatusOr<int64_t> at = c->VersionAt("m", "production", moved->at);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, 2);
  absl::StatusOr<std::vector<registry::DeploymentRecord>> history =
      c->History("m", std::string("production"));
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->size(), 1u);
}

TEST_F(AdminClientTest, ErrorsComeBackWithTheirCodeAndMessage) {
  std::unique_ptr<AdminClient> c = Client();
  absl::Status st = c->Versions("nope").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(st.message().find("nope"), std::string::npos) << st;
  st = c->SetAlias("m", "production", 7, "bob", "", false).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  st = c->Rollback("m", "production", "bob", "").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  st = Client("wrong")->Versions("m").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << st;
  server_->Shutdown();
  st = c->Versions("m").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_NE(st.message().find(url_), std::string::npos) << st;
}

TEST_F(AdminClientTest, GatesProtectRefuseWithTheirOwnCodeAndForce) {
  std::unique_ptr<AdminClient> c = Client();
  registry::Protection p;
  p.model = "m";
  p.alias = "production";
  p.min_accuracy = 0.9;
  p.created_by = "ann";
  absl::StatusOr<registry::Protection> set = c->Protect(p);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->min_accuracy, 0.9);
  EXPECT_EQ(set->max_p99_ms, std::nullopt);
  EXPECT_EQ(set->created_by, "ann");
  absl::StatusOr<std::vector<registry::Protection>> list = c->Protections("m");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].alias, "production");

  // The gate's FailedPrecondition and a force without reason's InvalidArgument are both
  // HTTP 400: the reply's code tells them apart.
  absl::Status st = c->SetAlias("m", "production", 2, "bob", "", false).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find("no validation report"), std::string::npos) << st;
  st = c->SetAlias("m", "production", 2, "bob", "", true).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  absl::StatusOr<registry::DeploymentRecord> forced =
      c->SetAlias("m", "production", 2, "bob", "validated by hand", true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_TRUE(forced->forced);
  EXPECT_TRUE(c->History("m", std::nullopt)->back().forced);

  registry::RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 1;
  st = c->StartRollout(spec, "bob", {}).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  absl::StatusOr<registry::Rollout> rollout = c->StartRollout(spec, "bob", {true, "try it"});
  ASSERT_TRUE(rollout.ok()) << rollout.status();
  EXPECT_TRUE(rollout->forced);
  EXPECT_EQ(rollout->force_reason, "try it");

  absl::StatusOr<std::vector<registry::GateVerdict>> gates = c->Gates("m", 2);
  ASSERT_TRUE(gates.ok()) << gates.status();
  ASSERT_EQ(gates->size(), 1u);
  EXPECT_EQ((*gates)[0].protection.min_accuracy, 0.9);
  EXPECT_FALSE((*gates)[0].reasons.empty());
  EXPECT_EQ(c->Gates("m", 9).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(c->Unprotect("m", "production").ok());
  EXPECT_EQ(c->Unprotect("m", "production").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(c->Protections("m")->empty());
}

}  // namespace
}  // namespace berth::cli
