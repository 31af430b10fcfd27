#include "validation/latency_check.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/latency_stats.h"
#include "fmt/format.h"

namespace berth::validation {

CheckResult LatencyCheck(const engine::Model& model, const std::vector<engine::Tensor>& inputs,
                         const LatencyOptions& options, std::optional<LatencyFigures>* figures) {
  using Clock = std::chrono::steady_clock;
  CheckResult check;
  check.name = "latency";
  std::vector<const engine::Tensor*> pointers;
  for (const engine::Tensor& t : inputs) pointers.push_back(&t);
  std::vector<engine::Tensor> outputs;
  std::vector<double> samples;
  const Clock::time_point start = Clock::now();
  const int64_t total = options.warmup + options.iterations;
  for (int64_t i = 0; i < total; ++i) {
    const Clock::time_point before = Clock::now();
    absl::Status ran = model.Run(pointers, &outputs);
    const Clock::time_point after = Clock::now();
    if (!ran.ok()) {
      check.status = CheckStatus::kFailed;
      check.message =
          absl::StrCat("a timed run at batch ", options.batch, " failed: ", ran.message());
      return check;
    }
    if (i < options.warmup) continue;
    samples.push_back(std::chrono::duration<double, std::milli>(after - before).count());
    const double elapsed = std::chrono::duration<double>(after - start).count();
    if (static_cast<int64_t>(samples.size()) >= options.min_iterations &&
        elapsed > options.max_seconds) {
      break;
    }
  }
  const LatencyStats stats = ComputeLatencyStats(samples, options.batch);
  LatencyFigures f;
  f.batch = options.batch;
  f.threads = options.threads;
  f.p50_ms = stats.p50_ms;
  f.p99_ms = stats.p99_ms;
  f.throughput_per_s = stats.throughput_per_s;
  *figures = f;
  check.figures = {{"batch", static_cast<double>(options.batch)},
                   {"threads", static_cast<double>(options.threads)},
                   {"iterations", static_cast<double>(samples.size())},
                   {"p50_ms", stats.p50_ms},
                   {"p99_ms", stats.p99_ms},
                   {"throughput_per_s", stats.throughput_per_s}};
  if (options.max_p99_ms) check.figures.emplace_back("max_p99_ms", *options.max_p99_ms);
  const std::string measured = fmt::format(
      "p50 {:.3f} ms, p99 {:.3f} ms, {:.0f}/s at batch {}, {} threads ({} runs)", stats.p50_ms,
      stats.p99_ms, stats.throughput_per_s, options.batch, options.threads, samples.size());
  if (options.max_p99_ms && stats.p99_ms > *options.max_p99_ms) {
    check.status = CheckStatus::kFailed;
    check.message = fmt::format("p99 {:.3f} ms is over the budget of {} ms ({})", stats.p99_ms,
                                *options.max_p99_ms, measured);
    return check;
  }
  check.status = CheckStatus::kPassed;
  check.message = options.max_p99_ms
                      ? fmt::format("{}; within the budget of {} ms", measured, *options.max_p99_ms)
                      : measured;
  return check;
}

}  // namespace berth::validation
