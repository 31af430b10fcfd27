#include "registry/leadership.h"

#include <libpq-fe.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::registry {
namespace {

class SingleServer final : public Leadership {
 public:
  bool Lead() override { return true; }
};

// Holds kLeaderLockKey on a dedicated connection. The connection sets TCP keepalives so
// that the server notices a leader whose machine vanished (rather than exited, which closes
// the socket at once) and frees the lock.
class PostgresLock final : public Leadership {
 public:
  explicit PostgresLock(std::string uri) : uri_(std::move(uri)) {}
  // Unlocks before closing: the server ends a closed session's backend asynchronously, so
  // only an explicit unlock lets the next server take over at once after a clean exit.
  ~PostgresLock() override {
    if (held_) Ask(absl::StrCat("SELECT pg_advisory_unlock(", kLeaderLockKey, ")"));
    Drop();
  }

  bool Lead() override {
    if (conn_ != nullptr && PQstatus(conn_) != CONNECTION_OK) Drop();
    if (conn_ == nullptr && !Connect()) return false;
    if (held_) {
      // A session lock stays until the session ends: a live session still holds it.
      if (!Ask("SELECT 1")) Drop();
      return held_;
    }
    held_ = Ask(absl::StrCat("SELECT pg_try_advisory_lock(", kLeaderLockKey, ")"));
    return held_;
  }

 private:
  bool Connect() {
    const char* keys[] = {"dbname",
                          "connect_timeout",
                          "keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "application_name",
                          nullptr};
    const char* values[] = {uri_.c_str(), "3", "1", "5", "2", "3", "berth-leader", nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return true;
    Drop();
    return false;
  }

  // Runs `sql` (one boolean or integer cell); true when it ran and answered t or 1.
  bool Ask(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const bool ok = result != nullptr && PQresultStatus(result) == PGRES_TUPLES_OK &&
                    PQntuples(result) == 1 &&
                    (std::string(PQgetvalue(result, 0, 0)) == "t" ||
                     std::string(PQgetvalue(result, 0, 0)) == "1");
    const bool failed = result == nullptr || PQresultStatus(result) != PGRES_TUPLES_OK;
    PQclear(result);
    if (failed) Drop();
    return ok;
  }

  void Drop() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    held_ = false;
  }

  const std::string uri_;
  PGconn* conn_ = nullptr;
  bool held_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Leadership>> OpenLeadership(const std::string& uri) {
  if (absl::StartsWith(uri, "sqlite:")) return std::make_unique<SingleServer>();
  if (absl::StartsWith(uri, "postgresql://") || absl::StartsWith(uri, "postgres://")) {
    return std::make_unique<PostgresLock>(uri);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("registry URI '", uri, "' is neither sqlite:PATH nor postgresql://..."));
}

}  // namespace berth::registry
