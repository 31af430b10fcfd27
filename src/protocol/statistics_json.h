// The statistics extension of the protocol: per model version counts and durations, and
// their JSON body (GET /v2/models[/{name}[/versions/{v}]]/stats), as Triton reports them.
#ifndef BERTH_PROTOCOL_STATISTICS_JSON_H_
#define BERTH_PROTOCOL_STATISTICS_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

namespace berth::protocol {

// Per model version, since the version loaded.
struct VersionStatistics {
  std::string model_name;
  int64_t version = 0;
  int64_t last_inference_ms = 0;  // ms since the Unix epoch of the last request; 0 = none
  int64_t inference_count = 0;    // rows inferred (a request of batch 4 counts 4)
  int64_t execution_count = 0;    // model runs (a joined batch counts once)
  int64_t success_count = 0;      // requests answered with outputs
  int64_t success_ns = 0;         // their total time from arrival to answer
  int64_t fail_count = 0;         // requests that reached the version and failed
  int64_t fail_ns = 0;
  int64_t queue_ns = 0;           // total time requests waited in the queue
  int64_t compute_ns = 0;         // total time of the runs they were part of
};

// {"model_stats": [{"name", "version", "last_inference", "inference_count",
// "execution_count", "inference_stats": {"success": {"count", "ns"}, "fail", "queue",
// "compute_input", "compute_infer", "compute_output"}, "batch_stats": []}]}. berth times a
// run as a whole, so compute_infer holds it and compute_input/output are zero.
std::string StatisticsJson(const std::vector<VersionStatistics>& stats);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_STATISTICS_JSON_H_
