#include "serving/scheduler.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth::serving {
namespace {

using engine::Tensor;

// The job's rows: the shared first dimension of its inputs, or -1 when it has none.
int64_t Rows(const InferenceJob& job) {
  if (job.inputs.empty()) return -1;
  int64_t rows = -1;
  for (const Tensor& t : job.inputs) {
    if (t.rank() == 0 || (rows >= 0 && t.dim(0) != rows)) return -1;
    rows = t.dim(0);
  }
  return rows;
}

// Whether `b` can run in one batch with `a`: same inputs apart from the first dimension.
bool Joinable(const InferenceJob& a, const InferenceJob& b) {
  if (a.inputs.size() != b.inputs.size() || Rows(b) < 0) return false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const Tensor& x = a.inputs[i];
    const Tensor& y = b.inputs[i];
    if (x.dtype() != y.dtype() || x.rank() != y.rank()) return false;
    if (!std::equal(x.shape().begin() + 1, x.shape().end(), y.shape().begin() + 1)) return false;
  }
  return true;
}

// Copies `rows` rows starting at row `from` of `src` to row `to` of `dst` (same row size).
void CopyRows(const Tensor& src, int64_t from, Tensor& dst, int64_t to, int64_t rows) {
  const int64_t row_elements = src.dim(0) == 0 ? 0 : src.num_elements() / src.dim(0);
  if (src.dtype() == engine::DataType::kString) {
    std::copy_n(src.strings().begin() + from * row_elements, rows * row_elements,
                dst.strings().begin() + to * row_elements);
    return;
  }
  const size_t row_bytes = row_elements * engine::DataTypeSize(src.dtype());
  if (rows * row_bytes == 0) return;
  std::memcpy(static_cast<char*>(dst.raw_data()) + to * row_bytes,
              static_cast<const char*>(src.raw_data()) + from * row_bytes, rows * row_bytes);
}

}  // namespace

int64_t Scheduler::QueueNanos(const Queued& q, SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(start - q.enqueued).count();
}

SchedulerOptions SchedulerOptions::FromConfig(const ModelConfig& config, int64_t inline_max_us) {
  SchedulerOptions o;
  o.max_batch_size = config.max_batch_size;
  o.dynamic_batching = config.dynamic_batching_enabled;
  o.max_queue_delay_us = config.dynamic_batching.max_queue_delay_us;
  o.preferred_batch_sizes = config.dynamic_batching.preferred_batch_sizes;
  o.max_queue_size = config.max_queue_size;
  o.instances = config.instance_count;
  o.inline_max_us = inline_max_us;
  return o;
}

Scheduler::Scheduler(std::shared_ptr<const engine::Model> model, std::string label,
                     SchedulerOptions options)
    : model_(std::move(model)),
      label_(std::move(label)),
      options_(std::move(options)),
      instance_count_(std::max<int64_t>(1, options_.instances)) {
  for (int64_t i = 0; i < instance_count_; ++i) {
    instances_.emplace_back([this] { InstanceLoop(); });
  }
}

Scheduler::~Scheduler() { Stop(); }

absl::Status Scheduler::Submit(InferenceJob&& job) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) {
      return absl::UnavailableError(absl::StrCat(label_, " is shutting down"));
    }
    if (static_cast<int64_t>(queue_.size()) >= options_.max_queue_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the queue of ", label_, " is full (", options_.max_queue_size, " requests waiting)"));
    }
    if (CanRunInline()) {
      ++running_;
      lock.unlock();
      RunInline(std::move(job));
      return absl::OkStatus();
    }
    queue_.push_back({std::move(job), SteadyClock::now()});
  }
  wake_.notify_all();
  return absl::OkStatus();
}

bool Scheduler::CanRunInline() const {
  // Nothing is known of a version before its first run, so that one always queues.
  return options_.inline_max_us > 0 && !options_.dynamic_batching && queue_.empty() &&
         running_ < instance_count_ && stats_.executions > 0 &&
         recent_run_ns_ <= options_.inline_max_us * 1000;
}

void Scheduler::RunInline(InferenceJob&& job) {
  std::vector<Queued> batch;
  batch.push_back({std::move(job), SteadyClock::now()});
  Execute(std::move(batch));
  bool someone_waits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
    // An instance waits for the free slot only when a job queued meanwhile, and Stop for the
    // last inline run; waking the idle instances otherwise would cost a futex call a request.
    someone_waits = !queue_.empty() || stopping_;
  }
  if (someone_waits) wake_.notify_all();
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : instances_) {
    if (t.joinable()) t.join();
  }
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [this] { return running_ == 0; });
}

int64_t Scheduler::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

bool Scheduler::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty() && running_ == 0;
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Scheduler::InstanceLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    std::vector<Queued> batch = TakeBatch(lock);
    if (batch.empty()) return;  // stopping, nothing left
    ++running_;
    lock.unlock();
    Execute(std::move(batch));
    lock.lock();
    --running_;
  }
}

std::vector<Scheduler::Queued> Scheduler::TakeBatch(std::unique_lock<std::mutex>& lock) {
  // At most `instances` runs at once, counting those running inline.
  wake_.wait(lock, [this] {
    return (!queue_.empty() && running_ < instance_count_) || (stopping_ && queue_.empty());
  });
  if (queue_.empty()) return {};
  std::vector<Queued> batch;
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  int64_t rows = Rows(batch[0].job);
  if (!options_.dynamic_batching || options_.max_batch_size <= 0 || rows < 0 ||
      rows >= options_.max_batch_size) {
    return batch;
  }
  const SteadyClock::time_point flush =
      batch[0].enqueued + std::chrono::microseconds(options_.max_queue_delay_us);
  const auto& preferred = options_.preferred_batch_sizes;
  while (true) {
    for (auto it = queue_.begin(); it != queue_.end() && rows < options_.max_batch_size;) {
      const int64_t more = Rows(it->job);
      if (Joinable(batch[0].job, it->job) && rows + more <= options_.max_batch_size) {
        rows += more;
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    const bool preferred_size = std::binary_search(preferred.begin(), preferred.end(), rows);
    if (rows >= options_.max_batch_size || preferred_size || stopping_ ||
        SteadyClock::now() >= flush) {
      return batch;
    }
    wake_.wait_until(lock, flush);
  }
}

void Scheduler::Execute(std::vector<Queued> batch) {
  const SteadyClock::time_point now = SteadyClock::now();
  std::vector<Queued> live, expired, cancelled;
  for (Queued& q : batch) {
    if (q.job.cancelled && q.job.cancelled->load()) {
      cancelled.push_back(std::move(q));
    } else if (q.job.deadline && now >= *q.job.deadline) {
      expired.push_back(std::move(q));
    } else {
      live.push_back(std::move(q));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.jobs_expired += static_cast<int64_t>(expired.size());
    stats_.jobs_cancelled += static_cast<int64_t>(cancelled.size());
    for (const Queued& q : live) {
      stats_.queue_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - q.enqueued).count();
      stats_.rows_run += std::max<int64_t>(1, Rows(q.job));
    }
  }
  const JobTiming not_run;
  for (Queued& q : cancelled) {
    q.job.done(absl::CancelledError("the client went away before the request ran"), not_run);
  }
  for (Queued& q : expired) {
    q.job.done(absl::DeadlineExceededError("the request's timeout passed while it was queued"),
               not_run);
  }
  if (live.size() == 1) {
    std::vector<const Tensor*> inputs;
    for (const Tensor& t : live[0].job.inputs) inputs.push_back(&t);
    std::vector<Tensor> outputs;
    JobTiming timing{true, true, QueueNanos(live[0], now), 0,
                     std::max<int64_t>(1, Rows(live[0].job))};
    absl::Status st = RunModel(inputs, &outputs, 1, &timing.compute_ns);
    live[0].job.done(st.ok() ? JobResult(std::move(outputs)) : JobResult(st), timing);
  } else if (live.size() > 1) {
    RunJoined(live, now);
  }
}

absl::Status Scheduler::RunModel(const std::vector<const Tensor*>& inputs,
                                 std::vector<Tensor>* outputs, int64_t jobs, int64_t* ns) {
  const SteadyClock::time_point start = SteadyClock::now();
  absl::Status st = model_->Run(inputs, outputs);
  *ns = std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
  // Counted before any done() runs, so that a caller woken by done() sees its job counted.
  std::lock_guard<std::mutex> lock(mu_);
  stats_.jobs_run += jobs;
  stats_.executions += 1;
  stats_.compute_ns += *ns * jobs;
  // Weight 1/8 for the newest run: a few slow runs (a bigger input) stop inline running soon.
  recent_run_ns_ = stats_.executions == 1 ? *ns : recent_run_ns_ + (*ns - recent_run_ns_) / 8;
  return st;
}

void Scheduler::RunJoined(std::vector<Queued>& batch, SteadyClock::time_point start) {
  int64_t total = 0;
  for (const Queued& q : batch) total += Rows(q.job);
  // The joined inputs: each job's rows one after another.
  std::vector<Tensor> joined;
  for (size_t i = 0; i < batch[0].job.inputs.size(); ++i) {
    const Tensor& first = batch[0].job.inputs[i];
    engine::Shape shape = first.shape();
    shape[0] = total;
    Tensor t(first.dtype(), shape);
    int64_t at = 0;
    for (const Queued& q : batch) {
      CopyRows(q.job.inputs[i], 0, t, at, q.job.inputs[i].dim(0));
      at += q.job.inputs[i].dim(0);
    }
    joined.push_back(std::move(t));
  }
  std::vector<const Tensor*> inputs;
  for (const Tensor& t : joined) inputs.push_back(&t);
  std::vector<Tensor> outputs;
  int64_t compute_ns = 0;
  absl::Status st = RunModel(inputs, &outputs, static_cast<int64_t>(batch.size()), &compute_ns);
  for (size_t o = 0; st.ok() && o < outputs.size(); ++o) {
    if (outputs[o].rank() == 0 || outputs[o].dim(0) != total) {
      st = absl::FailedPreconditionError(
          absl::StrCat(label_, " cannot be batched: output ", o, " has shape ",
                       engine::ShapeToString(outputs[o].shape()), " for a batch of ", total));
    }
  }
  int64_t at = 0;
  for (Queued& q : batch) {
    const int64_t rows = Rows(q.job);
    const JobTiming timing{true, &q == &batch.front(), QueueNanos(q, start), compute_ns, total};
    if (!st.ok()) {
      q.job.done(st, timing);
      continue;
    }
    std::vector<Tensor> mine;
    for (const Tensor& out : outputs) {
      engine::Shape shape = out.shape();
      shape[0] = rows;
      Tensor t(out.dtype(), shape);
      CopyRows(out, at, t, 0, rows);
      mine.push_back(std::move(t));
    }
    at += rows;
    q.job.done(std::move(mine), timing);
  }
}

}  // namespace berth::serving
