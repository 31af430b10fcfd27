// The registry's schema and its versioned migrations (internal to src/registry).
#ifndef BERTH_REGISTRY_SCHEMA_H_
#define BERTH_REGISTRY_SCHEMA_H_

#include "absl/status/status.h"
#include "registry/sql_database.h"

namespace berth::registry {

// Brings the database to the latest schema: in one write transaction, creates the
// schema_version table when missing, and applies every migration above the recorded version.
// FailedPrecondition naming both versions when the database is newer than this binary.
absl::Status ApplyMigrations(SqlDatabase& db);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SCHEMA_H_
