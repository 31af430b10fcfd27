#include "server/admin/admin_api.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "protocol/status_codes.h"
#include "registry/record_json.h"
#include "server/admin/admin_request.h"
#include "server/common/admin_auth.h"

namespace berth::server::admin {
namespace {

using registry::Registry;

// {"error": "...", "code": N}: the absl code beside the HTTP status, which folds several
// codes into one (400), so that a client can give its caller the registry's own code.
AdminReply ErrorReply(const absl::Status& status) {
  AdminReply reply;
  reply.status = protocol::HttpStatusFor(status);
  JsonWriter w;
  w.BeginObject();
  w.Key("error").String(status.message().empty() ? absl::StatusCodeToString(status.code())
                                                 : std::string(status.message()));
  w.Key("code").Int(static_cast<int>(status.code()));
  w.EndObject();
  reply.body = w.str();
  reply.challenge = reply.status == 401;
  return reply;
}

template <typename T, typename WriteFn>
std::string ArrayJson(const std::vector<T>& records, WriteFn write) {
  JsonWriter w;
  w.BeginArray();
  for (const T& r : records) write(w, r);
  w.EndArray();
  return w.str();
}

template <typename T, typename WriteFn>
std::string ObjectJson(const T& record, WriteFn write) {
  JsonWriter w;
  write(w, record);
  return w.str();
}

absl::StatusOr<std::string> VersionsJson(Registry& registry, const std::string& model) {
  ASSIGN_OR_RETURN(std::vector<registry::ModelVersion> versions, registry.Versions(model));
  ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry.ListAliases(model));
  return ArrayJson(versions, [&](JsonWriter& w, const registry::ModelVersion& v) {
    registry::WriteVersionJson(w, v, registry::AliasesOf(aliases, v.version));
  });
}

absl::StatusOr<std::string> VersionJson(Registry& registry, const std::string& model,
                                        const std::string& ref) {
  ASSIGN_OR_RETURN(registry::ModelVersion v, registry.Show(model, ref));
  ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry.ListAliases(model));
  JsonWriter w;
  registry::WriteVersionJson(w, v, registry::AliasesOf(aliases, v.version));
  return w.str();
}

// GET .../history: the ledger, or with ?at= the version the alias (default production) had.
absl::StatusOr<std::string> HistoryJson(Registry& registry, const AdminRouteMatch& match) {
  std::optional<std::string> alias;
  if (auto it = match.query.find("alias"); it != match.query.end()) alias = it->second;
  auto at_param = match.query.find("at");
  if (at_param == match.query.end()) {
    ASSIGN_OR_RETURN(std::vector<registry::DeploymentRecord> records,
                     registry.History(match.model, alias));
    return ArrayJson(records, registry::WriteDeploymentJson);
  }
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, at_param->second, &at, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'at' is not an RFC 3339 time like ", "2026-12-06T21:55:10Z: ", error));
  }
  const std::string name = alias.value_or("production");
  ASSIGN_OR_RETURN(int64_t version, registry.VersionAt(match.model, name, at));
  JsonWriter w;
  w.BeginObject();
  w.Key("model").String(match.model);
  w.Key("alias").String(name);
  w.Key("at").String(registry::Rfc3339Utc(at));
  w.Key("version").Int(version);
  w.EndObject();
  return w.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminApi>> AdminApi::Create(
    std::unique_ptr<registry::Registry> registry, std::string token) {
  if (token.empty()) {
    return absl::InvalidArgumentError("the management API needs a bearer token");
  }
  return std::unique_ptr<AdminApi>(new AdminApi(std::move(registry), std::move(token)));
}

AdminReply AdminApi::Handle(absl::string_view method, absl::string_view target,
                            absl::string_view authorization, absl::string_view body) {
  if (std::optional<AdminReply> refused = Unauthorized(authorization)) return *refused;
  std::string allow;
  absl::StatusOr<AdminRouteMatch> match = MatchAdminRoute(method, target, &allow);
  if (!match.ok()) {
    AdminReply reply = ErrorReply(match.status());
    if (!allow.empty()) {
      reply.status = 405;
      reply.allow = allow;
    }
    return reply;
  }
  absl::StatusOr<std::string> answer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    answer = Answer(*match, body);
  }
  if (!answer.ok()) return ErrorReply(answer.status());
  AdminReply reply;
  reply.body = *std::move(answer);
  return reply;
}

std::optional<AdminReply> AdminApi::Unauthorized(absl::string_view authorization) const {
  absl::Status st = CheckAdminToken(authorization, token_);
  if (st.ok()) return std::nullopt;
  return ErrorReply(st);
}

absl::StatusOr<std::string> AdminApi::Answer(const AdminRouteMatch& match, absl::string_view body) {
  Registry& registry = *registry_;
  const std::string& model = match.model;
  switch (match.route) {
    case AdminRoute::kModels: {
      ASSIGN_OR_RETURN(std::vector<std::string> names, registry.Models());
      return ArrayJson(names, [](JsonWriter& w, const std::string& n) { w.String(n); });
    }
    case AdminRoute::kVersions:
      return VersionsJson(registry, model);
    case AdminRoute::kVersion:
      return VersionJson(registry, model, match.ref);
    case AdminRoute::kAliases: {
      ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry.ListAliases(model));
      return ArrayJson(aliases, registry::WriteAliasJson);
    }
    case AdminRoute::kSetAlias: {
      ASSIGN_OR_RETURN(SetAliasRequest r, ParseSetAliasRequest(body));
      ASSIGN_OR_RETURN(
          registry::DeploymentRecord moved,
          registry.SetAlias(model, match.alias, r.version, r.actor, r.reason, r.force));
      return ObjectJson(moved, registry::WriteDeploymentJson);
    }
    case AdminRoute::kHistory:
      return HistoryJson(registry, match);
    case AdminRoute::kRollback: {
      ASSIGN_OR_RETURN(AliasActionRequest r, ParseAliasActionRequest(body));
      ASSIGN_OR_RETURN(
          registry::DeploymentRecord moved,
          registry.Rollback(model, r.alias, r.actor, r.reason.empty() ? "rollback" : r.reason));
      return ObjectJson(moved, registry::WriteDeploymentJson);
    }
    case AdminRoute::kRollouts: {
      ASSIGN_OR_RETURN(std::vector<registry::Rollout> rollouts, registry.Rollouts(model));
      return ArrayJson(rollouts, registry::WriteRolloutJson);
    }
    case AdminRoute::kStartRollout: {
      ASSIGN_OR_RETURN(StartRolloutRequest r, ParseStartRolloutRequest(body));
      r.spec.model = model;
      ASSIGN_OR_RETURN(registry::Rollout started,
                       registry.StartRollout(r.spec, r.actor, r.override));
      return ObjectJson(started, registry::WriteRolloutJson);
    }
    case AdminRoute::kProtections: {
      ASSIGN_OR_RETURN(std::vector<registry::Protection> protections, registry.Protections(model));
      return ArrayJson(protections, registry::WriteProtectionJson);
    }
    case AdminRoute::kProtect: {
      ASSIGN_OR_RETURN(ProtectRequest r, ParseProtectRequest(body));
      r.protection.model = model;
      r.protection.alias = match.alias;
      ASSIGN_OR_RETURN(registry::Protection set, registry.Protect(r.protection));
      return ObjectJson(set, registry::WriteProtectionJson);
    }
    case AdminRoute::kGates: {
      ASSIGN_OR_RETURN(int64_t version, registry.Resolve(model, match.ref));
      ASSIGN_OR_RETURN(std::vector<registry::GateVerdict> gates, registry.Gates(model, version));
      return ArrayJson(gates, registry::WriteGateVerdictJson);
    }
    case AdminRoute::kDocument: {
      ASSIGN_OR_RETURN(int64_t version, registry.Resolve(model, match.ref));
      ASSIGN_OR_RETURN(std::optional<registry::VersionDocument> doc,
                       registry.Document(model, version, match.kind));
      if (!doc) {
        return absl::NotFoundError(absl::StrCat("version ", version, " of model '", model,
                                                "' has no '", match.kind, "' document"));
      }
      return ObjectJson(*doc, registry::WriteDocumentJson);
    }
    case AdminRoute::kUnprotect: {
      RETURN_IF_ERROR(registry.Unprotect(model, match.alias));
      ASSIGN_OR_RETURN(std::vector<registry::Protection> left, registry.Protections(model));
      return ArrayJson(left, registry::WriteProtectionJson);
    }
    case AdminRoute::kAbortRollout: {
      ASSIGN_OR_RETURN(AliasActionRequest r, ParseAliasActionRequest(body));
      ASSIGN_OR_RETURN(registry::Rollout aborted,
                       registry.AbortRollout(model, r.alias, r.actor,
                                             r.reason.empty() ? "aborted by hand" : r.reason));
      return ObjectJson(aborted, registry::WriteRolloutJson);
    }
  }
  return absl::InternalError("unhandled management route");
}

}  // namespace berth::server::admin
