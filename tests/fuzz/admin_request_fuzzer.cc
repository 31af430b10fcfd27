// libFuzzer target: arbitrary requests through the management API's router and body parsers
// (server/admin/admin_router.h, admin_request.h), as `berth serve --admin-port` gets them.
// Input: the first byte picks the method (GET, PUT, POST, DELETE or another word), the bytes
// up to the first newline are the target (path and query), the rest is the body, parsed by
// every body parser (the route picks one; fuzzing all four reaches each without a route).
// Any input must give a route or an error, never a crash, a leak or undefined behaviour; what
// parses must hold what the handlers rely on (names validated, versions >= 1, actors
// non-empty and bounded, no control characters, an Allow list with a wrong method).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/names.h"
#include "server/admin/admin_request.h"
#include "server/admin/admin_router.h"

namespace {

namespace admin = berth::server::admin;

void CheckText(const std::string& text, size_t max_length) {
  if (text.size() > max_length) std::abort();
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}

void CheckActor(const std::string& actor) {
  if (actor.empty()) std::abort();
  CheckText(actor, admin::kMaxActorLength);
}

void CheckRoute(absl::string_view method, absl::string_view target) {
  std::string allow;
  absl::StatusOr<admin::AdminRouteMatch> match = admin::MatchAdminRoute(method, target, &allow);
  if (!match.ok()) {
    if (absl::IsFailedPrecondition(match.status()) && allow.empty()) std::abort();
    return;
  }
  if (match->route != admin::AdminRoute::kModels && !berth::ValidateModelName(match->model).ok()) {
    std::abort();
  }
  if (!match->alias.empty() && !berth::ValidateAliasName(match->alias).ok()) std::abort();
  if (!match->kind.empty() && !berth::ValidateTagKey(match->kind).ok()) std::abort();
  if (!match->ref.empty() && !berth::ParseVersionRef(match->ref).ok()) std::abort();
}

void CheckBodies(absl::string_view body) {
  if (auto r = admin::ParseSetAliasRequest(body); r.ok()) {
    if (r->version < 1) std::abort();
    CheckText(r->reason, admin::kMaxReasonLength);
    CheckActor(r->actor);
  }
  if (auto r = admin::ParseAliasActionRequest(body); r.ok()) {
    if (!berth::ValidateAliasName(r->alias).ok()) std::abort();
    CheckText(r->reason, admin::kMaxReasonLength);
    CheckActor(r->actor);
  }
  if (auto r = admin::ParseStartRolloutRequest(body); r.ok()) {
    if (r->spec.candidate < 1 || !berth::ValidateAliasName(r->spec.alias).ok()) std::abort();
    CheckText(r->override.reason, admin::kMaxReasonLength);
    CheckActor(r->actor);
  }
  if (auto r = admin::ParseProtectRequest(body); r.ok()) {
    CheckText(r->protection.require, admin::kMaxActorLength);
    CheckActor(r->protection.created_by);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr const char* kMethods[] = {"GET", "PUT", "POST", "DELETE", "PATCH"};
  const absl::string_view method = kMethods[data[0] % 5];
  absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t newline = rest.find('\n');
  const absl::string_view target = rest.substr(0, newline);
  const absl::string_view body =
      newline == absl::string_view::npos ? absl::string_view() : rest.substr(newline + 1);
  CheckRoute(method, target);
  CheckBodies(body);
  return 0;
}
