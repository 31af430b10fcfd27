// The metrics of each loaded version (requests by outcome, latency and batch-size
// histograms, requests in flight, bytes) and of model loads, in the server's
// monitoring::Metrics registry. A version's series are made once, when it becomes ready
// (VersionMetricsFactory::ForVersion), kept with the ServableVersion, and removed when the
// last holder lets go, so retired versions leave no series and the number of series is
// bounded by what is loaded. The request path only increments and observes, each a few
// relaxed atomic adds (monitoring/integer_family.h, monitoring/histogram_family.h).
//
//   auto factory = std::make_shared<VersionMetricsFactory>(metrics);
//   std::shared_ptr<VersionMetrics> m = factory->ForVersion("resnet", 3, /*max_batch_size=*/8);
//   m->Started(body_bytes);
//   m->Finished(ClassifyOutcome(status, timing.ran), total_ns, timing);
//
// Thread safety: every method may be called from any thread at once.
#ifndef BERTH_SERVING_VERSION_METRICS_H_
#define BERTH_SERVING_VERSION_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "monitoring/histogram_family.h"
#include "monitoring/integer_family.h"
#include "monitoring/metrics.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "protocol/infer_types.h"
#include "serving/scheduler.h"

namespace berth::serving {

// How a request that reached a version ended (the `outcome` label).
enum class Outcome { kSuccess, kRejected, kFailed, kTimedOut, kCancelled };
inline constexpr int kOutcomeCount = 5;
// "success", "rejected", "failed", "timed_out", "cancelled".
const char* OutcomeName(Outcome outcome);

// The outcome of a request answered with `status`; `ran` tells whether the model ran for it.
// OK: success; Cancelled: cancelled; DeadlineExceeded: timed_out; any other error: failed
// when the model ran, otherwise rejected (invalid input, queue full, version stopping).
Outcome ClassifyOutcome(const absl::Status& status, bool ran);

// The outcome of a request answered with `status` when whether the model ran is not known
// (a rollout arm's view): refusals the service makes before running (InvalidArgument,
// NotFound, Unavailable, ResourceExhausted) count as rejected, other errors as failed.
Outcome ClassifyAnswer(const absl::Status& status);

// Latency buckets in seconds, from 50 us to 10 s.
const std::vector<double>& LatencyBuckets();
// Rows-per-run buckets: powers of two up to `max_batch_size` and `max_batch_size` itself (up
// to 64 for a version that does not batch, whose runs have the rows each request has).
std::vector<double> BatchSizeBuckets(int64_t max_batch_size);

class VersionMetricsFactory;

// One version's series. Made by VersionMetricsFactory::ForVersion only.
class VersionMetrics final : public protocol::ResponseBytesCounter {
 public:
  // Removes the series (unless a newer VersionMetrics of the same version took them over).
  ~VersionMetrics() override;
  VersionMetrics(const VersionMetrics&) = delete;
  VersionMetrics& operator=(const VersionMetrics&) = delete;

  // A request was accepted for this version; `request_bytes` as the transport received it
  // (0: unknown, not counted).
  void Started(int64_t request_bytes);
  // The request Started counted was answered `total_ns` after the service accepted it.
  void Finished(Outcome outcome, int64_t total_ns, const JobTiming& timing);
  void CountResponseBytes(int64_t bytes) const override;
  // A request for this version the front end could not decode: rejected, with its bytes, and
  // in no histogram (it was never accepted).
  void CountUndecodable(int64_t request_bytes);

 private:
  friend class VersionMetricsFactory;
  VersionMetrics(std::shared_ptr<VersionMetricsFactory> owner, std::string model, int64_t version,
                 int64_t max_batch_size);

  const std::shared_ptr<VersionMetricsFactory> owner_;
  const std::string model_;
  const int64_t version_;
  // Lock-free (monitoring/integer_family.h, monitoring/histogram_family.h).
  std::array<std::shared_ptr<monitoring::IntegerMetric>, kOutcomeCount> requests_{};
  // Durations in nanoseconds, batch sizes in rows.
  std::shared_ptr<monitoring::Histogram> duration_;
  std::shared_ptr<monitoring::Histogram> queue_;
  std::shared_ptr<monitoring::Histogram> compute_;
  std::shared_ptr<monitoring::Histogram> batch_size_;
  std::shared_ptr<monitoring::IntegerMetric> in_flight_;
  std::shared_ptr<monitoring::IntegerMetric> request_bytes_;
  std::shared_ptr<monitoring::IntegerMetric> response_bytes_;
};

// Registers the request and model-load families once and makes each version's series.
// Create with std::make_shared (ForVersion hands out references to it).
class VersionMetricsFactory : public std::enable_shared_from_this<VersionMetricsFactory> {
 public:
  explicit VersionMetricsFactory(std::shared_ptr<monitoring::Metrics> metrics);

  // The series of `model` `version`: the live ones if that version already has some (a
  // reloaded file of the same version continues its series), new ones otherwise.
  std::shared_ptr<VersionMetrics> ForVersion(const std::string& model, int64_t version,
                                             int64_t max_batch_size);
  // A load of `model` ended: its duration when it loaded, a failure otherwise.
  void RecordLoad(const std::string& model, double seconds, bool loaded);

 private:
  friend class VersionMetrics;
  // Removes `m`'s series if it still owns them.
  void Release(VersionMetrics* m);

  const std::shared_ptr<monitoring::Metrics> metrics_;
  // The request path's families, added to metrics_ as collectables.
  const std::shared_ptr<monitoring::IntegerFamily> requests_;
  const std::shared_ptr<monitoring::HistogramFamily> duration_;
  const std::shared_ptr<monitoring::HistogramFamily> queue_;
  const std::shared_ptr<monitoring::HistogramFamily> compute_;
  const std::shared_ptr<monitoring::HistogramFamily> batch_size_;
  const std::shared_ptr<monitoring::IntegerFamily> in_flight_;
  const std::shared_ptr<monitoring::IntegerFamily> request_bytes_;
  const std::shared_ptr<monitoring::IntegerFamily> response_bytes_;
  prometheus::Family<prometheus::Histogram>& load_duration_;
  prometheus::Family<prometheus::Counter>& load_failures_;
  std::mutex mu_;
  struct Live {
    std::weak_ptr<VersionMetrics> metrics;
    const VersionMetrics* owner = nullptr;  // which object removes the series
  };
  std::map<std::pair<std::string, int64_t>, Live> live_;  // guarded by mu_
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_VERSION_METRICS_H_
