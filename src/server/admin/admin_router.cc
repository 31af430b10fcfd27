#include "server/admin/admin_router.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "server/common/listen.h"

namespace berth::server::admin {
namespace {

using Segments = std::vector<absl::string_view>;

int HexValue(char c) {
  if (absl::ascii_isdigit(c)) return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// %XX escapes decoded; '+' stays itself. InvalidArgument for a truncated or non-hex escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
    if (lo < 0) return absl::InvalidArgumentError("the query holds a malformed %-escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseQuery(absl::string_view query) {
  std::map<std::string, std::string> params;
  if (query.empty()) return params;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != absl::string_view::npos) {
      ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1)));
    }
    if (!params.emplace(key, value).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("the query parameter '", absl::CEscape(key), "' is given twice"));
    }
  }
  return params;
}

// The route for `method` among those a path takes (method, route), or FailedPrecondition
// listing them in `*allow`.
absl::StatusOr<AdminRoute> Pick(absl::string_view method,
                                std::initializer_list<std::pair<const char*, AdminRoute>> routes,
                                std::string* allow) {
  std::string methods;
  for (const auto& [m, route] : routes) {
    if (method == m) return route;
    absl::StrAppend(&methods, methods.empty() ? "" : ", ", m);
  }
  *allow = methods;
  return absl::FailedPreconditionError(
      absl::StrCat("this endpoint takes ", methods, ", not ", method));
}

// The path after /v1/models/{m}: which route, and its own path parameters.
absl::StatusOr<AdminRouteMatch> ModelRoute(absl::string_view method, const Segments& s,
                                           std::string* allow) {
  AdminRouteMatch match;
  match.model = std::string(s[2]);
  RETURN_IF_ERROR(ValidateModelName(match.model));
  const absl::string_view what = s.size() > 3 ? s[3] : "";
  if (what == "versions" && s.size() == 4) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kVersions}}, allow));
  } else if (what == "versions" && s.size() == 5) {
    ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(s[4]));
    match.ref = std::string(s[4]);
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kVersion}}, allow));
  } else if (what == "versions" && s.size() == 6 && s[5] == "gates") {
    ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(s[4]));
    match.ref = std::string(s[4]);
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kGates}}, allow));
  } else if (what == "versions" && s.size() == 7 && s[5] == "documents") {
    ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(s[4]));
    match.ref = std::string(s[4]);
    match.kind = std::string(s[6]);
    RETURN_IF_ERROR(ValidateTagKey(match.kind));
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kDocument}}, allow));
  } else if (what == "aliases" && s.size() == 4) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kAliases}}, allow));
  } else if (what == "aliases" && s.size() == 5) {
    match.alias = std::string(s[4]);
    RETURN_IF_ERROR(ValidateAliasName(match.alias));
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"PUT", AdminRoute::kSetAlias}}, allow));
  } else if (what == "history" && s.size() == 4) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kHistory}}, allow));
  } else if (what == "rollback" && s.size() == 4) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"POST", AdminRoute::kRollback}}, allow));
  } else if (what == "rollouts" && s.size() == 4) {
    ASSIGN_OR_RETURN(
        match.route,
        Pick(method, {{"GET", AdminRoute::kRollouts}, {"POST", AdminRoute::kStartRollout}}, allow));
  } else if (what == "protections" && s.size() == 4) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kProtections}}, allow));
  } else if (what == "protections" && s.size() == 5) {
    match.alias = std::string(s[4]);
    RETURN_IF_ERROR(ValidateAliasName(match.alias));
    ASSIGN_OR_RETURN(
        match.route,
        Pick(method, {{"PUT", AdminRoute::kProtect}, {"DELETE", AdminRoute::kUnprotect}}, allow));
  } else if (what == "rollouts" && s.size() == 5 && s[4] == "abort") {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"POST", AdminRoute::kAbortRollout}}, allow));
  } else {
    return absl::NotFoundError("no such management endpoint");
  }
  return match;
}

absl::Status CheckQuery(const AdminRouteMatch& match) {
  for (const auto& [key, value] : match.query) {
    if (match.route == AdminRoute::kHistory && key == "alias") {
      RETURN_IF_ERROR(ValidateAliasName(value));
    } else if (!(match.route == AdminRoute::kHistory && key == "at")) {
      return absl::InvalidArgumentError(
          absl::StrCat("this endpoint takes no query parameter '", absl::CEscape(key), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AdminRouteMatch> MatchAdminRoute(absl::string_view method, absl::string_view target,
                                                std::string* allow) {
  allow->clear();
  const size_t question = target.find('?');
  ASSIGN_OR_RETURN(Segments s, SplitRequestPath(target));
  if (s.size() < 2 || s[0] != "v1" || s[1] != "models") {
    return absl::NotFoundError("no such management endpoint (they are under /v1/models)");
  }
  AdminRouteMatch match;
  if (s.size() == 2) {
    ASSIGN_OR_RETURN(match.route, Pick(method, {{"GET", AdminRoute::kModels}}, allow));
  } else {
    ASSIGN_OR_RETURN(match, ModelRoute(method, s, allow));
  }
  if (question != absl::string_view::npos) {
    ASSIGN_OR_RETURN(match.query, ParseQuery(target.substr(question + 1)));
  }
  RETURN_IF_ERROR(CheckQuery(match));
  return match;
}

}  // namespace berth::server::admin
