#include "rollout/routes.h"

namespace berth::rollout {
namespace {

// A stable draw in [0, 1) from the request id (FNV-1a: the same on every server and every
// run, unlike absl::Hash, which is seeded per process).
double DrawFromId(absl::string_view id) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<double>(h % 1000000) / 1e6;
}

}  // namespace

Target PickTarget(const AliasRoute& route, absl::string_view request_id, double fallback_draw) {
  Target t;
  t.version = route.version;
  if (!route.rollout) return t;
  const RolloutRoute& r = *route.rollout;
  t.rollout_id = r.id;
  if (r.shadow) {
    t.shadow = r.candidate;
    return t;
  }
  const double draw = request_id.empty() ? fallback_draw : DrawFromId(request_id);
  if (draw * 100.0 < r.canary_percent) {
    t.version = r.candidate;
    t.candidate = true;
  }
  return t;
}

void Routes::Publish(const std::string& model, ModelRoutes routes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<Table>(*table_);
  (*next)[model] = std::move(routes);
  table_ = std::move(next);
}

void Routes::Remove(const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!table_->count(model)) return;
  auto next = std::make_shared<Table>(*table_);
  next->erase(model);
  table_ = std::move(next);
}

std::optional<AliasRoute> Routes::Find(const std::string& model, const std::string& alias) const {
  std::shared_ptr<const Table> table;
  {
    std::lock_guard<std::mutex> lock(mu_);
    table = table_;
  }
  auto m = table->find(model);
  if (m == table->end()) return std::nullopt;
  auto a = m->second.find(alias);
  if (a == m->second.end()) return std::nullopt;
  return a->second;
}

ModelRoutes Routes::ForModel(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = table_->find(model);
  return it == table_->end() ? ModelRoutes() : it->second;
}

std::map<std::string, ModelRoutes> Routes::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return *table_;
}

}  // namespace berth::rollout
