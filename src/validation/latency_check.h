// The latency check: p50, p99 and throughput of one model at a batch size and thread count,
// against an optional p99 budget. Iterations are bounded by count and by time.
#ifndef BERTH_VALIDATION_LATENCY_CHECK_H_
#define BERTH_VALIDATION_LATENCY_CHECK_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/runtime/model.h"
#include "validation/report.h"

namespace berth::validation {

struct LatencyOptions {
  int64_t batch = 1;
  int threads = 1;
  std::optional<double> max_p99_ms;
  int64_t warmup = 5;
  int64_t iterations = 200;     // at most
  int64_t min_iterations = 10;  // at least, even past max_seconds
  double max_seconds = 10;      // stop timing after this (once min_iterations ran)
};

// Times `model` on `inputs` (batch rows each, model input order). Passed when the p99 is
// within the budget (or there is none); failed naming both otherwise, or when a run fails.
// `figures` is set when the timing completed.
CheckResult LatencyCheck(const engine::Model& model, const std::vector<engine::Tensor>& inputs,
                         const LatencyOptions& options, std::optional<LatencyFigures>* figures);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_LATENCY_CHECK_H_
