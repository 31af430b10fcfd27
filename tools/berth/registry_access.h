// What the registry commands (versions, show, alias, history, rollback, rollout) need of the
// registry, either straight from its database or over the management API of a running
// `berth serve --admin-port` (--admin-url, admin_client.h). Both return the same records, so
// the commands print the same tables and JSON either way.
#ifndef BERTH_TOOLS_BERTH_REGISTRY_ACCESS_H_
#define BERTH_TOOLS_BERTH_REGISTRY_ACCESS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "registry/types.h"
#include "registry_cli.h"

namespace berth::cli {

// The operations of registry::Registry (registry.h) the commands use, with its contracts.
class RegistryAccess {
 public:
  virtual ~RegistryAccess() = default;

  virtual absl::StatusOr<std::vector<registry::ModelVersion>> Versions(const std::string& name) = 0;
  virtual absl::StatusOr<registry::ModelVersion> Show(const std::string& name,
                                                      const std::string& ref) = 0;
  virtual absl::StatusOr<std::vector<registry::Alias>> ListAliases(const std::string& name) = 0;
  virtual absl::StatusOr<registry::DeploymentRecord> SetAlias(
      const std::string& name, const std::string& alias, int64_t version, const std::string& actor,
      const std::string& reason, bool force) = 0;
  virtual absl::StatusOr<std::vector<registry::DeploymentRecord>> History(
      const std::string& name, const std::optional<std::string>& alias) = 0;
  virtual absl::StatusOr<int64_t> VersionAt(const std::string& name, const std::string& alias,
                                            absl::Time time) = 0;
  virtual absl::StatusOr<registry::DeploymentRecord> Rollback(const std::string& name,
                                                              const std::string& alias,
                                                              const std::string& actor,
                                                              const std::string& reason) = 0;
  virtual absl::StatusOr<registry::Rollout> StartRollout(
      const registry::RolloutSpec& spec, const std::string& actor,
      const registry::GateOverride& override) = 0;
  virtual absl::StatusOr<std::vector<registry::Rollout>> Rollouts(const std::string& name) = 0;
  virtual absl::StatusOr<registry::Rollout> AbortRollout(const std::string& name,
                                                         const std::string& alias,
                                                         const std::string& actor,
                                                         const std::string& reason) = 0;
  virtual absl::StatusOr<registry::Protection> Protect(const registry::Protection& p) = 0;
  virtual absl::Status Unprotect(const std::string& name, const std::string& alias) = 0;
  virtual absl::StatusOr<std::vector<registry::Protection>> Protections(
      const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<registry::GateVerdict>> Gates(const std::string& name,
                                                                   int64_t version) = 0;
  // The version's document of `kind` with its body; NotFound when it has none (or there is
  // no such version).
  virtual absl::StatusOr<registry::VersionDocument> Document(const std::string& name,
                                                             int64_t version,
                                                             const std::string& kind) = 0;
};

// With --admin-url: a client of that API (the token read from --admin-token-file, which it
// needs). Otherwise the registry's database, which must exist (OpenRegistry, kMustExist).
absl::StatusOr<std::unique_ptr<RegistryAccess>> OpenRegistryAccess(const RegistryFlags& flags);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_REGISTRY_ACCESS_H_
