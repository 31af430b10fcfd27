// The process's metrics: one prometheus-cpp registry that every module adds its families
// to, plus sources sampled only when scraped (process CPU and memory, queue depths), rendered
// in Prometheus's text exposition format for `GET /metrics`.
//
//   auto metrics = std::make_shared<monitoring::Metrics>();
//   auto& requests = prometheus::BuildCounter().Name("berth_...").Help("...")
//                        .Register(metrics->registry());
//   metrics->AddCollectable(my_sampler);   // a prometheus::Collectable, kept alive by the caller
//   std::string body = metrics->Render();
//
// Names start with `berth_` and are documented in docs/METRICS.md. Label values come only
// from what the server itself loaded (models, versions, aliases) and from fixed sets of words
// (outcomes, kinds), never from what a request names, so the number of series stays bounded.
//
// Thread safety: every method may be called from any thread at once.
#ifndef BERTH_MONITORING_METRICS_H_
#define BERTH_MONITORING_METRICS_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/registry.h"

namespace berth::monitoring {

// The Content-Type of Render()'s text.
inline constexpr char kExpositionContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Where families are registered. Families live as long as this object.
  prometheus::Registry& registry() { return *registry_; }

  // Adds a source whose samples are computed at every Render (after the registry's). Held
  // weakly: a source that was destroyed is skipped and forgotten.
  void AddCollectable(const std::shared_ptr<prometheus::Collectable>& source);

  // Every family, in the text exposition format (version 0.0.4).
  std::string Render() const;

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mu_;
  mutable std::vector<std::weak_ptr<prometheus::Collectable>> sources_;  // guarded by mu_
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_METRICS_H_
