// The little the registry needs from a SQL database, so that one store implementation
// (sql_registry_store.cc) runs on SQLite and PostgreSQL. Statements use $1, $2, ... for
// parameters and portable SQL (ON CONFLICT, RETURNING, partial indexes); the few differences
// (an auto-increment key, how a writer takes the write lock) are the dialect's.
//
// Thread safety: an SqlDatabase is one connection; not safe for concurrent use.
#ifndef BERTH_REGISTRY_SQL_DATABASE_H_
#define BERTH_REGISTRY_SQL_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::registry {

// A parameter or column value: NULL, an integer, a double or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;

  // Runs one statement with `params` bound to $1.. and returns its rows (none for a statement
  // that returns none). A unique or check constraint violation is AlreadyExists / a failed
  // foreign key FailedPrecondition; a busy database Unavailable; anything else Internal; each
  // with the database's message and the start of the statement.
  virtual absl::StatusOr<std::vector<SqlRow>> Query(absl::string_view sql,
                                                    const std::vector<SqlValue>& params) = 0;

  // Starts a write transaction holding the database's writer lock until Commit or Rollback,
  // so that writers in every process run one after another.
  virtual absl::Status BeginWrite() = 0;
  // Starts a read transaction that sees one snapshot.
  virtual absl::Status BeginRead() = 0;
  virtual absl::Status Commit() = 0;
  // Ends the open transaction without its changes; OK when none is open.
  virtual absl::Status Rollback() = 0;

  // The column definition of an auto-increment 64-bit primary key.
  virtual absl::string_view AutoIdColumn() const = 0;
  // Tells listeners a change was committed (PostgreSQL: NOTIFY berth_registry, delivered at
  // commit); called inside each write transaction. A no-op on SQLite.
  virtual absl::Status NotifyChange() = 0;
};

// Opens (creating when missing) the SQLite database at `path` in WAL mode with
// synchronous=FULL, foreign keys on and a busy timeout, so that several processes can write.
absl::StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path);

// Connects to PostgreSQL with a libpq connection URI. Unavailable naming the server's answer
// when the connection fails.
absl::StatusOr<std::unique_ptr<SqlDatabase>> OpenPostgresDatabase(const std::string& uri);

// Runs `body` inside a transaction begun by `begin` (BeginWrite or BeginRead): commits when
// it returns OK, rolls back otherwise and returns its error.
template <typename Body>
absl::Status InTransaction(SqlDatabase& db, absl::Status begin, Body&& body) {
  if (!begin.ok()) return begin;
  absl::Status status = body();
  if (!status.ok()) {
    db.Rollback().IgnoreError();  // the body's error is the one worth reporting
    return status;
  }
  status = db.Commit();
  if (!status.ok()) db.Rollback().IgnoreError();
  return status;
}

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SQL_DATABASE_H_
