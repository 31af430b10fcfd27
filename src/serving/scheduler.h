// Scheduling for one model version: a bounded queue, N instances running jobs, and the
// dynamic batcher that joins requests along the batch (first) dimension.
//
// With batching on, an instance takes the oldest job and then every queued job whose inputs
// match it apart from the first dimension, up to max_batch_size rows; it runs as soon as the
// rows reach max_batch_size or a preferred batch size, and otherwise when the oldest job has
// waited max_queue_delay_us. The joined outputs are split back by rows, so each job gets
// exactly what running alone would give it. Jobs whose deadline passed or whose client went
// away are answered without running.
#ifndef BERTH_SERVING_SCHEDULER_H_
#define BERTH_SERVING_SCHEDULER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/runtime/model.h"
#include "serving/model_config.h"

namespace berth::serving {

using SteadyClock = std::chrono::steady_clock;

struct SchedulerOptions {
  int64_t max_batch_size = 0;  // 0: jobs run one by one, never joined
  bool dynamic_batching = false;
  int64_t max_queue_delay_us = 0;
  std::vector<int64_t> preferred_batch_sizes;  // ascending
  int64_t max_queue_size = 1024;
  int64_t instances = 1;
  // Jobs of a version whose recent runs took at most this long (an average over the last
  // runs) run on the thread that submits them when nothing is queued, an instance is free and
  // batching is off: for a small model the two thread hand-offs cost more than the run.
  // 0: every job goes through the queue.
  int64_t inline_max_us = 0;

  // The options a model's config asks for, with `inline_max_us` from the server.
  static SchedulerOptions FromConfig(const ModelConfig& config, int64_t inline_max_us);
};

using JobResult = absl::StatusOr<std::vector<engine::Tensor>>;

// Where one job's time went, given to its done() with the result.
struct JobTiming {
  bool ran = false;           // the model ran for it (alone or in a batch)
  bool first_in_run = false;  // it is the first job of its run: count the run once
  int64_t queue_ns = 0;       // from Submit to the start of its run (0 when it did not run)
  int64_t compute_ns = 0;     // its run's duration (shared by every job of a batch)
  int64_t batch_rows = 0;     // rows of its run (the batch's, when joined)
};

// One request for the version.
struct InferenceJob {
  std::vector<engine::Tensor> inputs;  // in graph input order, types already converted
  std::optional<SteadyClock::time_point> deadline;
  // Set by the transport when the client disconnects; may be null.
  std::shared_ptr<const std::atomic<bool>> cancelled;
  // Called exactly once with the outputs (graph output order) or the error, and where the
  // job's time went, on an instance thread (or the submitting one, when it runs inline).
  // Must not block for long: the instance waits for it.
  std::function<void(JobResult, const JobTiming&)> done;
};

struct SchedulerStats {
  int64_t jobs_run = 0;        // jobs that ran (alone or in a batch)
  int64_t rows_run = 0;        // their rows (first dimension; 1 for a job without one)
  int64_t executions = 0;      // model runs (a batch is one)
  int64_t jobs_expired = 0;    // answered DeadlineExceeded without running
  int64_t jobs_cancelled = 0;  // answered Cancelled without running
  int64_t queue_ns = 0;        // total time the jobs that ran waited in the queue
  int64_t compute_ns = 0;      // total, over the jobs that ran, of their run's duration
};

// Thread-safe. Destruction stops it (see Stop).
class Scheduler {
 public:
  // Runs `model` (kept alive by the scheduler). `label` names the version in messages,
  // e.g. "model 'resnet' version 3".
  Scheduler(std::shared_ptr<const engine::Model> model, std::string label,
            SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues `job` (moved from only then); its done() is called later, on an instance thread,
  // or before Submit returns, on the caller's thread, when the job runs inline (see
  // SchedulerOptions::inline_max_us). Fails at once, leaving `job` as it was and without
  // calling done(), with ResourceExhausted when max_queue_size jobs are waiting and
  // Unavailable after Stop.
  absl::Status Submit(InferenceJob&& job);

  // Refuses new jobs, runs every queued one, joins the instances and waits for the jobs
  // running inline. Idempotent. Must not be called (nor the scheduler destroyed) from a
  // done() callback.
  void Stop();

  int64_t queue_depth() const;
  // Nothing queued and nothing running.
  bool idle() const;
  SchedulerStats stats() const;

 private:
  struct Queued {
    InferenceJob job;
    SteadyClock::time_point enqueued;
  };
  // How long `q` waited in the queue before its run started at `start`.
  static int64_t QueueNanos(const Queued& q, SteadyClock::time_point start);
  void InstanceLoop();
  // Whether a job submitted now may run on the submitting thread. Called with mu_ held.
  bool CanRunInline() const;
  void RunInline(InferenceJob&& job);
  // Takes the next jobs to run together (at least one), waiting as batching allows. Returns
  // empty when stopping with nothing queued. Called with `lock` held.
  std::vector<Queued> TakeBatch(std::unique_lock<std::mutex>& lock);
  void Execute(std::vector<Queued> batch);
  void RunJoined(std::vector<Queued>& batch, SteadyClock::time_point start);

  // One execution of the model for `jobs` jobs (joined or alone), counted in the stats;
  // `*ns` is set to its duration.
  absl::Status RunModel(const std::vector<const engine::Tensor*>& inputs,
                        std::vector<engine::Tensor>* outputs, int64_t jobs, int64_t* ns);

  const std::shared_ptr<const engine::Model> model_;
  const std::string label_;
  const SchedulerOptions options_;
  const int64_t instance_count_;  // at least 1
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  int64_t running_ = 0;       // batches being executed (inline ones too); guarded by mu_
  SchedulerStats stats_;      // guarded by mu_
  // A moving average of the recent runs' durations, for CanRunInline; guarded by mu_.
  int64_t recent_run_ns_ = 0;
  std::vector<std::thread> instances_;
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_SCHEDULER_H_
