#include "registry/leadership.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "registry/registry_test_util.h"

namespace berth::registry {
namespace {

TEST(LeadershipTest, OnSqliteEveryServerLeads) {
  absl::StatusOr<std::unique_ptr<Leadership>> a = OpenLeadership("sqlite:/tmp/r.db");
  absl::StatusOr<std::unique_ptr<Leadership>> b = OpenLeadership("sqlite:/tmp/r.db");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->Lead());
  EXPECT_TRUE((*b)->Lead());
}

TEST(LeadershipTest, AnUnknownUriIsInvalid) {
  absl::StatusOr<std::unique_ptr<Leadership>> l = OpenLeadership("mysql://x");
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(l.status().message().find("mysql://x"), std::string::npos);
}

TEST(LeadershipTest, AnUnreachableDatabaseNeverLeads) {
  // Port 1 on loopback refuses at once.
  absl::StatusOr<std::unique_ptr<Leadership>> l =
      OpenLeadership("postgresql://postgres@127.0.0.1:1/postgres");
  ASSERT_TRUE(l.ok());
  EXPECT_FALSE((*l)->Lead());
  EXPECT_FALSE((*l)->Lead());
}

TEST(LeadershipTest, OnPostgresOneLeadsAndAnotherTakesOverWhenItGoes) {
  const std::string uri = testing::PostgresTestUri();
  if (uri.empty()) {
    if (testing::InCi()) FAIL() << "CI=true but BERTH_TEST_POSTGRES_URI is not set";
    GTEST_SKIP() << "no PostgreSQL (BERTH_TEST_POSTGRES_URI is not set)";
  }
  std::unique_ptr<Leadership> first = *OpenLeadership(uri);
  std::unique_ptr<Leadership> second = *OpenLeadership(uri);
  ASSERT_TRUE(first->Lead());
  EXPECT_FALSE(second->Lead());
  EXPECT_TRUE(first->Lead());  // keeps it
  EXPECT_FALSE(second->Lead());
  first.reset();  // its session ends, and the lock with it
  EXPECT_TRUE(second->Lead());
  std::unique_ptr<Leadership> third = *OpenLeadership(uri);
  EXPECT_FALSE(third->Lead());
}

}  // namespace
}  // namespace berth::registry
