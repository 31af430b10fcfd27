// Where a request for an alias goes: the alias's version, or, while a rollout runs on the
// alias, its candidate for a fixed share of the traffic (canary) or as a silent copy (shadow).
// Published by the server from the registry (serving/registry_follower.h) and read on every
// request, so reads are cheap and never wait for a publication.
#ifndef BERTH_ROLLOUT_ROUTES_H_
#define BERTH_ROLLOUT_ROUTES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace berth::rollout {

// An active rollout on an alias, as the router needs it.
struct RolloutRoute {
  int64_t id = 0;
  int64_t candidate = 0;
  double canary_percent = 0;  // (0, 100]: the share of the alias's requests the candidate gets
  bool shadow = false;        // the candidate gets a copy of every request; its answers dropped
  bool operator==(const RolloutRoute&) const = default;
};

struct AliasRoute {
  int64_t version = 0;  // what the alias serves (the baseline while a rollout runs)
  std::optional<RolloutRoute> rollout;
  bool operator==(const AliasRoute&) const = default;
};

// alias -> route, for one model.
using ModelRoutes = std::map<std::string, AliasRoute>;

// Where one request goes.
struct Target {
  int64_t version = 0;                // answers the request
  std::optional<int64_t> shadow;      // also runs it, answer dropped (shadow rollouts)
  std::optional<int64_t> rollout_id;  // the rollout the request counts for, if any
  bool candidate = false;             // `version` is the rollout's candidate
};

// The target for a request with `request_id` on `route`. The canary split is a hash of the
// request id, so a retried request (same id) lands on the same version; a request without an
// id gets `fallback_draw` in [0, 1) instead (the caller's random draw).
Target PickTarget(const AliasRoute& route, absl::string_view request_id, double fallback_draw);

// Thread-safe. Publishing replaces a model's routes whole; readers see the old or the new
// table, never a mix.
class Routes {
 public:
  void Publish(const std::string& model, ModelRoutes routes);
  void Remove(const std::string& model);
  // The route of `alias` of `model`, if published.
  std::optional<AliasRoute> Find(const std::string& model, const std::string& alias) const;
  // One model's routes (empty when none are published).
  ModelRoutes ForModel(const std::string& model) const;
  // Every model's routes (a snapshot).
  std::map<std::string, ModelRoutes> All() const;

 private:
  using Table = std::map<std::string, ModelRoutes>;
  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_ = std::make_shared<Table>();  // guarded by mu_
};

}  // namespace berth::rollout

#endif  // BERTH_ROLLOUT_ROUTES_H_
