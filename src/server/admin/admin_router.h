// The routes of the management API (`berth serve --admin-port`), matched from a request's
// method and target. Pure: no I/O and no registry, so every route and refusal is unit-tested.
//
//   GET  /v1/models                                       model names
//   GET  /v1/models/{m}/versions                          every version
//   GET  /v1/models/{m}/versions/{ref}                    one version (number or alias)
//   GET  /v1/models/{m}/versions/{ref}/gates              would it pass each protected alias
//   GET  /v1/models/{m}/versions/{ref}/documents/{kind}   one document with its body
//   GET  /v1/models/{m}/aliases                           the aliases
//   PUT  /v1/models/{m}/aliases/{alias}                   move (or create) an alias
//   GET  /v1/models/{m}/history[?alias=A][&at=TIME]       the ledger (with at: the version then)
//   POST /v1/models/{m}/rollback                          back to the alias's previous version
//   GET  /v1/models/{m}/rollouts                          every rollout
//   POST /v1/models/{m}/rollouts                          start one
//   POST /v1/models/{m}/rollouts/abort                    abort the alias's active one
//   GET  /v1/models/{m}/protections                       the protected aliases (gates)
//   PUT  /v1/models/{m}/protections/{alias}               protect (or re-protect) an alias
//   DELETE /v1/models/{m}/protections/{alias}             remove its protection (answers the
//                                                         protections left)
//
// A new route: an enumerator, its match in admin_router.cc (and a case in
// admin_router_test.cc), its handling in admin_handlers.cc.
#ifndef BERTH_SERVER_ADMIN_ADMIN_ROUTER_H_
#define BERTH_SERVER_ADMIN_ADMIN_ROUTER_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::server::admin {

enum class AdminRoute {
  kModels,
  kVersions,
  kVersion,
  kAliases,
  kSetAlias,
  kHistory,
  kRollback,
  kRollouts,
  kStartRollout,
  kAbortRollout,
  kProtections,
  kProtect,
  kUnprotect,
  kGates,
  kDocument,
};

struct AdminRouteMatch {
  AdminRoute route = AdminRoute::kModels;
  std::string model;  // validated (ValidateModelName); empty for kModels
  std::string ref;    // kVersion, kGates, kDocument: a version number or an alias, validated
  std::string kind;   // kDocument: a document kind, validated (ValidateTagKey)
  std::string alias;  // kSetAlias, kProtect, kUnprotect: validated (ValidateAliasName)
  // The query parameters, percent-decoded (only kHistory takes any: alias, at).
  std::map<std::string, std::string> query;
};

// Matches `method` and `target` (path and query). On a path that is a route but not for
// `method`, fails with FailedPrecondition and sets `*allow` to the methods it takes ("GET",
// "GET, POST"; the server answers 405 with that Allow header). Otherwise: NotFound for a
// path that is no route; InvalidArgument for empty, "." or ".." segments, an invalid model
// name, version reference or alias, a malformed query, or a query parameter the route does
// not take (each named), an invalid document kind, before anything else looks at the request.
absl::StatusOr<AdminRouteMatch> MatchAdminRoute(absl::string_view method, absl::string_view target,
                                                std::string* allow);

}  // namespace berth::server::admin

#endif  // BERTH_SERVER_ADMIN_ADMIN_ROUTER_H_
