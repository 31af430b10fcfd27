// Test helpers for the registry tests: temporary folders and a fresh database per test on
// each backend ("sqlite" always; "postgresql" when BERTH_TEST_POSTGRES_URI names a server).
#ifndef BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_
#define BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
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

// A validation report (contract C1, "berth.validation/1") with what a gate reads: `passed`,
// a classification accuracy when `top1` is given, a latency when `p99_ms` is; a report that
// did not pass names one failed check ("accuracy").
inline std::string ValidationReportJson(bool passed, std::optional<double> top1 = std::nullopt,
                                        std::optional<double> p99_ms = std::nullopt) {
  std::string accuracy = "null";
  if (top1) {
    accuracy = absl::StrCat(R"({"task": "classification", "rows": 360, "top1": )", *top1,
                            R"(, "top5": 1.0})");
  }
  std::string latency = "null";
  if (p99_ms) {
    latency = absl::StrCat(R"({"batch": 1, "threads": 1, "p50_ms": 0.1, "p99_ms": )", *p99_ms,
                           R"(, "throughput_per_s": 9000})");
  }
  const std::string check = absl::StrCat(
      R"({"name": "accuracy", "status": ")", passed ? "passed" : "failed", R"(", "message": ")",
      passed ? "" : "top-1 0.12 is below 0.9", R"(", "figures": {}})");
  return absl::StrCat(
      R"({"format": "berth.validation/1", "model": {"ref": "m@1", "name": "m", "version": 1,)",
      R"( "sha256": "00"}, "against": null, "passed": )", passed ? "true" : "false",
      R"(, "created_at": "2026-12-07T04:00:00Z", "options": {"batch": 1, "threads": 1,)",
      R"( "min_accuracy": null, "max_p99_ms": null}, "checks": [)", check, R"(], "accuracy": )",
      accuracy, R"(, "latency": )", latency, "}");
}

}  // namespace berth::registry::testing

#endif  // BERTH_REGISTRY_REGISTRY_TEST_UTIL_H_
