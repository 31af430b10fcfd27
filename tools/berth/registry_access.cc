#include "registry_access.h"

#include <utility>

#include "admin_client.h"
#include "common/status_macros.h"
#include "server/common/admin_auth.h"

namespace berth::cli {
namespace {

using registry::Alias;
using registry::DeploymentRecord;
using registry::ModelVersion;
using registry::Rollout;

// Straight to the database.
class DirectAccess : public RegistryAccess {
 public:
  explicit DirectAccess(std::unique_ptr<registry::Registry> registry)
      : registry_(std::move(registry)) {}

  absl::StatusOr<std::vector<ModelVersion>> Versions(const std::string& name) override {
    return registry_->Versions(name);
  }
  absl::StatusOr<ModelVersion> Show(const std::string& name, const std::string& ref) override {
    return registry_->Show(name, ref);
  }
  absl::StatusOr<std::vector<Alias>> ListAliases(const std::string& name) override {
    return registry_->ListAliases(name);
  }
  absl::StatusOr<DeploymentRecord> SetAlias(const std::string& name, const std::string& alias,
                                            int64_t version, const std::string& actor,
                                            const std::string& reason, bool force) override {
    return registry_->SetAlias(name, alias, version, actor, reason, force);
  }
  absl::StatusOr<std::vector<DeploymentRecord>> History(
      const std::string& name, const std::optional<std::string>& alias) override {
    return registry_->History(name, alias);
  }
  absl::StatusOr<int64_t> VersionAt(const std::string& name, const std::string& alias,
                                    absl::Time time) override {
    return registry_->VersionAt(name, alias, time);
  }
  absl::StatusOr<DeploymentRecord> Rollback(const std::string& name, const std::string& alias,
                                            const std::string& actor,
                                            const std::string& reason) override {
    return registry_->Rollback(name, alias, actor, reason);
  }
  absl::StatusOr<Rollout> StartRollout(const registry::RolloutSpec& spec, const std::string& actor,
                                       const registry::GateOverride& override) override {
    return registry_->StartRollout(spec, actor, override);
  }
  absl::StatusOr<std::vector<Rollout>> Rollouts(const std::string& name) override {
    return registry_->Rollouts(name);
  }
  absl::StatusOr<Rollout> AbortRollout(const std::string& name, const std::string& alias,
                                       const std::string& actor,
                                       const std::string& reason) override {
    return registry_->AbortRollout(name, alias, actor, reason);
  }
  absl::StatusOr<registry::Protection> Protect(const registry::Protection& p) override {
    return registry_->Protect(p);
  }
  absl::Status Unprotect(const std::string& name, const std::string& alias) override {
    return registry_->Unprotect(name, alias);
  }
  absl::StatusOr<std::vector<registry::Protection>> Protections(const std::string& name) override {
    return registry_->Protections(name);
  }
  absl::StatusOr<std::vector<registry::GateVerdict>> Gates(const std::string& name,
                                                           int64_t version) override {
    return registry_->Gates(name, version);
  }
  absl::StatusOr<registry::VersionDocument> Document(const std::string& name, int64_t version,
                                                     const std::string& kind) override {
    ASSIGN_OR_RETURN(std::optional<registry::VersionDocument> doc,
                     registry_->Document(name, version, kind));
    if (!doc) {
      return absl::NotFoundError(
          absl::StrCat("version ", version, " of model '", name, "' has no '", kind, "' document"));
    }
    return *std::move(doc);
  }

 private:
  std::unique_ptr<registry::Registry> registry_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryAccess>> OpenRegistryAccess(const RegistryFlags& flags) {
  if (!flags.admin_url.empty()) {
    if (flags.admin_token_file.empty()) {
      return absl::InvalidArgumentError(
          "--admin-url needs --admin-token-file (the management API's bearer token)");
    }
    ASSIGN_OR_RETURN(std::string token, server::ReadAdminToken(flags.admin_token_file));
    ASSIGN_OR_RETURN(std::unique_ptr<AdminClient> client,
                     AdminClient::Create(flags.admin_url, std::move(token)));
    return std::unique_ptr<RegistryAccess>(std::move(client));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> registry, OpenRegistry(flags));
  return std::unique_ptr<RegistryAccess>(new DirectAccess(std::move(registry)));
}

}  // namespace berth::cli
