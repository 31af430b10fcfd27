#include "serving/rollout_events.h"

#include "absl/strings/str_cat.h"

namespace berth::serving {
namespace {

void AddRolloutDetails(const registry::Rollout& r, monitoring::Event& e) {
  e.details.emplace_back("rollout_id", absl::StrCat(r.id));
  e.details.emplace_back("baseline_version", absl::StrCat(r.baseline));
  e.details.emplace_back("mode", r.spec.shadow ? "shadow" : "canary");
  if (!r.spec.shadow) e.details.emplace_back("canary_percent", absl::StrCat(r.spec.canary_percent));
}

monitoring::Event Started(const std::string& model, const std::string& alias,
                          const rollout::AliasRoute& route,
                          const std::vector<registry::Rollout>& active, absl::Time now) {
  monitoring::Event e;
  e.type = monitoring::kRolloutStarted;
  e.model = model;
  e.alias = alias;
  e.version = route.rollout->candidate;
  e.at = now;
  for (const registry::Rollout& r : active) {
    if (r.id != route.rollout->id) continue;
    e.reason = absl::StrCat("rollout of version ", r.spec.candidate, " started by ", r.actor);
    AddRolloutDetails(r, e);
    return e;
  }
  e.details.emplace_back("rollout_id", absl::StrCat(route.rollout->id));
  e.details.emplace_back("baseline_version", absl::StrCat(route.version));
  return e;
}

}  // namespace

std::vector<monitoring::Event> RouteChangeEvents(const std::string& model,
                                                 const rollout::ModelRoutes& before,
                                                 const rollout::ModelRoutes& after,
                                                 const std::vector<registry::Rollout>& active,
                                                 absl::Time now) {
  std::vector<monitoring::Event> events;
  for (const auto& [alias, route] : after) {
    auto old = before.find(alias);
    if (old != before.end() && old->second.version != route.version) {
      monitoring::Event e;
      e.type = monitoring::kAliasMoved;
      e.model = model;
      e.alias = alias;
      e.version = route.version;
      e.reason = absl::StrCat("alias ", alias, " moved from version ", old->second.version, " to ",
                              route.version);
      e.at = now;
      e.details = {{"from_version", absl::StrCat(old->second.version)},
                   {"to_version", absl::StrCat(route.version)}};
      events.push_back(std::move(e));
    }
    const bool had_it = old != before.end() && old->second.rollout && route.rollout &&
                        old->second.rollout->id == route.rollout->id;
    if (route.rollout && !had_it) events.push_back(Started(model, alias, route, active, now));
  }
  return events;
}

monitoring::Event VerdictEvent(const registry::Rollout& r, registry::RolloutState state,
                               const std::string& reason, absl::Time now) {
  monitoring::Event e;
  e.type = state == registry::RolloutState::kPromoted ? monitoring::kRolloutPromoted
                                                      : monitoring::kRolloutRolledBack;
  e.model = r.spec.model;
  e.alias = r.spec.alias;
  e.version = r.spec.candidate;
  e.reason = reason;
  e.at = now;
  AddRolloutDetails(r, e);
  return e;
}

}  // namespace berth::serving
