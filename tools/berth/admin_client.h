// The registry commands over the management API (`berth ... --admin-url http://HOST:PORT`):
// each operation is one HTTP/1.1 call (Beast, a new connection per call, 30 s per step)
// carrying the bearer token, answered with the JSON of registry/record_json.h, read back
// into the same records the database would give. An error reply becomes the absl::Status its
// HTTP status maps back to (400 InvalidArgument, 401 Unauthenticated, 404 NotFound, ...), or
// the absl code the reply names ("code", which tells a gate's FailedPrecondition from an
// InvalidArgument, both 400), with the server's message, so the CLI prints what the direct
// path would.
#ifndef BERTH_TOOLS_BERTH_ADMIN_CLIENT_H_
#define BERTH_TOOLS_BERTH_ADMIN_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry_access.h"

namespace berth::cli {

struct AdminUrl {
  std::string host;  // without brackets for IPv6
  std::string port;
};

// "http://HOST:PORT" with an optional trailing '/' (HOST may be "[v6]"). InvalidArgument
// naming the text otherwise (https, a missing port, a path).
absl::StatusOr<AdminUrl> ParseAdminUrl(absl::string_view url);

// `text` percent-encoded for a query value: all but [A-Za-z0-9-._~] as %XX.
std::string QueryEscape(absl::string_view text);

class AdminClient : public RegistryAccess {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Create(const std::string& url,
                                                             std::string token);

  absl::StatusOr<std::vector<registry::ModelVersion>> Versions(const std::string& name) override;
  absl::StatusOr<registry::ModelVersion> Show(const std::string& name,
                                              const std::string& ref) override;
  absl::StatusOr<std::vector<registry::Alias>> ListAliases(const std::string& name) override;
  absl::StatusOr<registry::DeploymentRecord> SetAlias(const std::string& name,
                                                      const std::string& alias, int64_t version,
                                                      const std::string& actor,
                                                      const std::string& reason,
                                                      bool force) override;
  absl::StatusOr<std::vector<registry::DeploymentRecord>> History(
      const std::string& name, const std::optional<std::string>& alias) override;
  absl::StatusOr<int64_t> VersionAt(const std::string& name, const std::string& alias,
                                    absl::Time time) override;
  absl::StatusOr<registry::DeploymentRecord> Rollback(const std::string& name,
                                                      const std::string& alias,
                                                      const std::string& actor,
                                                      const std::string& reason) override;
  absl::StatusOr<registry::Rollout> StartRollout(const registry::RolloutSpec& spec,
                                                 const std::string& actor,
                                                 const registry::GateOverride& override) override;
  absl::StatusOr<std::vector<registry::Rollout>> Rollouts(const std::string& name) override;
  absl::StatusOr<registry::Rollout> AbortRollout(const std::string& name, const std::string& alias,
                                                 const std::string& actor,
                                                 const std::string& reason) override;
  absl::StatusOr<registry::Protection> Protect(const registry::Protection& p) override;
  absl::Status Unprotect(const std::string& name, const std::string& alias) override;
  absl::StatusOr<std::vector<registry::Protection>> Protections(const std::string& name) override;
  absl::StatusOr<std::vector<registry::GateVerdict>> Gates(const std::string& name,
                                                           int64_t version) override;
  absl::StatusOr<registry::VersionDocument> Document(const std::string& name, int64_t version,
                                                     const std::string& kind) override;

 private:
  AdminClient(std::string url, AdminUrl where, std::string token)
      : url_(std::move(url)), where_(std::move(where)), token_(std::move(token)) {}

  // One call; the body of a 200, else the error it maps to.
  absl::StatusOr<std::string> Call(const char* method, const std::string& target,
                                   const std::string& body = "");
  // POST/PUT bodies naming an alias, an actor and a reason.
  std::string AliasActionBody(const std::string& alias, const std::string& actor,
                              const std::string& reason);

  const std::string url_;
  const AdminUrl where_;
  const std::string token_;
};

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_ADMIN_CLIENT_H_
