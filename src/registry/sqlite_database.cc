// SqlDatabase on SQLite: WAL (readers never block the writer), synchronous=FULL (a committed
// transaction survives power loss), foreign keys on, and a busy timeout so that writers in
// other processes wait for BEGIN IMMEDIATE instead of failing.
#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "registry/sql_database.h"
#include "registry/sql_values.h"

namespace berth::registry {
namespace {

constexpr int kBusyTimeoutMs = 60'000;

std::string StatementStart(absl::string_view sql) {
  constexpr size_t kShown = 60;
  return std::string(sql.substr(0, kShown)) + (sql.size() > kShown ? "..." : "");
}

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view sql) {
  std::string message = absl::StrCat("sqlite: ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                                     " (in: ", StatementStart(sql), ")");
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(message);
    case SQLITE_CONSTRAINT_CHECK:
      return absl::InvalidArgumentError(message);
    default:
      break;
  }
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

class SqliteDatabase : public SqlDatabase {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    Rollback().IgnoreError();
    sqlite3_close_v2(db_);
  }

  absl::StatusOr<std::vector<SqlRow>> Query(absl::string_view sql,
                                            const std::vector<SqlValue>& params) override {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    RETURN_IF_ERROR(Bind(stmt.get(), sql, params));
    std::vector<SqlRow> rows;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) rows.push_back(ReadRow(stmt.get()));
    if (rc != SQLITE_DONE) return SqliteError(db_, sqlite3_extended_errcode(db_), sql);
    return rows;
  }

  absl::Status BeginWrite() override { return Exec("BEGIN IMMEDIATE"); }
  absl::Status BeginRead() override { return Exec("BEGIN DEFERRED"); }
  absl::Status Commit() override { return Exec("COMMIT"); }
  absl::Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return absl::OkStatus();
    return Exec("ROLLBACK");
  }

  absl::string_view AutoIdColumn() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
  absl::Status NotifyChange() override { return absl::OkStatus(); }

  absl::Status Exec(absl::string_view sql) { return Query(sql, {}).status(); }

 private:
  // Parameters are bound by name ("$1"), so a statement may use them in any order or twice.
  absl::Status Bind(sqlite3_stmt* stmt, absl::string_view sql,
                    const std::vector<SqlValue>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = absl::StrCat("$", i + 1);
      int index = sqlite3_bind_parameter_index(stmt, name.c_str());
      if (index == 0) continue;  // the statement does not use this parameter
      const SqlValue& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<int64_t>(v)) {
        rc = sqlite3_bind_int64(stmt, index, std::get<int64_t>(v));
      } else if (std::holds_alternative<double>(v)) {
        rc = sqlite3_bind_double(stmt, index, std::get<double>(v));
      } else if (std::holds_alternative<std::string>(v)) {
        const std::string& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    }
    return absl::OkStatus();
  }

  static SqlRow ReadRow(sqlite3_stmt* stmt) {
    SqlRow row;
    int columns = sqlite3_column_count(stmt);
    row.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(stmt, c));
          break;
        case SQLITE_NULL:
          row.emplace_back(std::monostate{});
          break;
        default: {
          const unsigned char* text = sqlite3_column_text(stmt, c);
          row.emplace_back(
              std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c)));
        }
      }
    }
    return row;
  }

  sqlite3* db_;
};

// Switches the database to WAL (a no-op once it is: the mode is stored in the file). The
// switch needs the database to itself, and when other processes open a new database at the
// same moment SQLite answers SQLITE_BUSY at once, without waiting in the busy handler; so
// this retries, for as long as the busy timeout.
absl::Status EnableWal(SqliteDatabase& db) {
  const absl::Time deadline = absl::Now() + absl::Milliseconds(kBusyTimeoutMs);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::vector<SqlRow>> rows = db.Query("PRAGMA journal_mode=WAL", {});
    if (rows.ok() && !rows->empty() && AsText(rows->front()[0]) == "wal") {
      return absl::OkStatus();
    }
    if (!rows.ok() && !absl::IsUnavailable(rows.status())) return rows.status();
    if (absl::Now() > deadline) {
      if (!rows.ok()) return rows.status();
      return absl::UnavailableError("sqlite: could not switch the database to WAL mode");
    }
    absl::SleepFor(absl::Milliseconds(std::min(attempt, 10) * 5));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return absl::UnavailableError(
        absl::StrCat("cannot open sqlite database '", path, "': ", message));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  auto db = std::make_unique<SqliteDatabase>(raw);
  absl::Status wal = EnableWal(*db);
  if (!wal.ok()) {
    return absl::Status(wal.code(),
                        absl::StrCat("cannot open sqlite database '", path, "': ", wal.message()));
  }
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    absl::Status status = db->Exec(pragma);
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("cannot open sqlite database '", path,
                                                      "': ", status.message()));
    }
  }
  return db;
}

}  // namespace berth::registry
