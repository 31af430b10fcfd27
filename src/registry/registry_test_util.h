// Test helpers for the registry tests: temporary folders and a fresh database per test on
// each backend ("sqlite" always; "postgresql" when BERTH_TEST_POSTGRES_URI names a server).
#ifndef BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_
#define BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "registry/sql_database.h"

namespace berth::registry::testing {

// A new empty folder under the test's temporary folder.
inline std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/berth-registry-XXXXXX";
  const char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

// The PostgreSQL server the tests may use, or "" when there is none.
inline std::string PostgresTestUri() {
  const char* uri = std::getenv("BERTH_TEST_POSTGRES_URI");
  return uri ? uri : "";
}

// True when running in CI, where a missing PostgreSQL is a failure, not a skip.
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// Empties the PostgreSQL database at `uri` (its public schema) so a test starts fresh.
inline void ResetPostgres(const std::string& uri) {
  absl::StatusOr<std::unique_ptr<SqlDatabase>> db = OpenPostgresDatabase(uri);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Query("DROP SCHEMA public CASCADE", {}).ok());
  ASSERT_TRUE((*db)->Query("CREATE SCHEMA public", {}).ok());
}

// Opens the raw database behind a registry URI, to tamper with it in a test.
inline absl::StatusOr<std::unique_ptr<SqlDatabase>> OpenRawDatabase(const std::string& uri) {
  if (uri.rfind("sqlite:", 0) == 0) return OpenSqliteDatabase(uri.substr(7));
  return OpenPostgresDatabase(uri);
}

}  // namespace berth::registry::testing

#endif  // BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_
