#include "serving/version_metrics.h"

#include <algorithm>

#include "prometheus/labels.h"

namespace berth::serving {
namespace {

constexpr double kSecondsPerNano = 1e-9;

// Model loads take from milliseconds (a small model) to minutes (a large one from the registry).
const std::vector<double>& LoadBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                               2.5,   5,     10,   30,   60,  120,  300};
  return kBuckets;
}

prometheus::Labels VersionLabels(const std::string& model, int64_t version) {
  return {{"model", model}, {"version", std::to_string(version)}};
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kTimedOut:
      return "timed_out";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "failed";
}

Outcome ClassifyOutcome(const absl::Status& status, bool ran) {
  if (status.ok()) return Outcome::kSuccess;
  if (absl::IsCancelled(status)) return Outcome::kCancelled;
  if (absl::IsDeadlineExceeded(status)) return Outcome::kTimedOut;
  return ran ? Outcome::kFailed : Outcome::kRejected;
}

Outcome ClassifyAnswer(const absl::Status& status) {
  const bool refused = absl::IsInvalidArgument(status) || absl::IsNotFound(status) ||
                       absl::IsUnavailable(status) || absl::IsResourceExhausted(status);
  return ClassifyOutcome(status, /*ran=*/!refused);
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                               0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                               0.5,     1,      2.5,     5,      10};
  return kBuckets;
}

std::vector<double> BatchSizeBuckets(int64_t max_batch_size) {
  const int64_t limit = max_batch_size > 0 ? max_batch_size : 64;
  std::vector<double> buckets;
  for (int64_t b = 1; b < limit; b *= 2) buckets.push_back(static_cast<double>(b));
  buckets.push_back(static_cast<double>(limit));
  return buckets;
}

VersionMetrics::VersionMetrics(std::shared_ptr<VersionMetricsFactory> owner, std::string model,
                               int64_t version, int64_t max_batch_size)
    : owner_(std::move(owner)), model_(std::move(model)), version_(version) {
  const prometheus::Labels labels = VersionLabels(model_, version_);
  for (int i = 0; i < kOutcomeCount; ++i) {
    prometheus::Labels with_outcome = labels;
    with_outcome["outcome"] = OutcomeName(static_cast<Outcome>(i));
    requests_[i] = owner_->requests_->Add(with_outcome);
  }
  duration_ = owner_->duration_->Add(labels, LatencyBuckets());
  queue_ = owner_->queue_->Add(labels, LatencyBuckets());
  compute_ = owner_->compute_->Add(labels, LatencyBuckets());
  batch_size_ = owner_->batch_size_->Add(labels, BatchSizeBuckets(max_batch_size));
  in_flight_ = owner_->in_flight_->Add(labels);
  request_bytes_ = owner_->request_bytes_->Add(labels);
  response_bytes_ = owner_->response_bytes_->Add(labels);
}

VersionMetrics::~VersionMetrics() { owner_->Release(this); }

void VersionMetrics::Started(int64_t request_bytes) {
  in_flight_->Increment();
  if (request_bytes > 0) request_bytes_->Increment(request_bytes);
}

void VersionMetrics::Finished(Outcome outcome, int64_t total_ns, const JobTiming& timing) {
  requests_[static_cast<int>(outcome)]->Increment();
  duration_->ObserveUnits(total_ns);
  if (timing.ran) {
    queue_->ObserveUnits(timing.queue_ns);
    compute_->ObserveUnits(timing.compute_ns);
    if (timing.first_in_run) batch_size_->ObserveUnits(timing.batch_rows);
  }
  in_flight_->Decrement();
}

void VersionMetrics::CountUndecodable(int64_t request_bytes) {
  requests_[static_cast<int>(Outcome::kRejected)]->Increment();
  if (request_bytes > 0) request_bytes_->Increment(request_bytes);
}

void VersionMetrics::CountResponseBytes(int64_t bytes) const {
  if (bytes > 0) response_bytes_->Increment(bytes);
}

VersionMetricsFactory::VersionMetricsFactory(std::shared_ptr<monitoring::Metrics> metrics)
    : metrics_(std::move(metrics)),
      requests_(std::make_shared<monitoring::IntegerFamily>(
          "berth_requests_total", "Inference requests that reached a loaded version, by outcome",
          prometheus::MetricType::Counter)),
      duration_(std::make_shared<monitoring::HistogramFamily>(
          "berth_request_duration_seconds",
          "From the server accepting an inference request to its answer", kSecondsPerNano)),
      queue_(std::make_shared<monitoring::HistogramFamily>(
          "berth_queue_duration_seconds", "Time a request that ran waited in its version's queue",
          kSecondsPerNano)),
      compute_(std::make_shared<monitoring::HistogramFamily>(
          "berth_compute_duration_seconds",
          "Duration of the model run a request ran in (one per request)", kSecondsPerNano)),
      batch_size_(std::make_shared<monitoring::HistogramFamily>(
          "berth_batch_size", "Rows per model run (one observation per run)", /*unit=*/1)),
      in_flight_(std::make_shared<monitoring::IntegerFamily>(
          "berth_requests_in_flight", "Requests accepted for the version and not yet answered",
          prometheus::MetricType::Gauge)),
      request_bytes_(std::make_shared<monitoring::IntegerFamily>(
          "berth_request_bytes_total",
          "Bytes of inference requests as received (HTTP body, gRPC message)",
          prometheus::MetricType::Counter)),
      response_bytes_(std::make_shared<monitoring::IntegerFamily>(
          "berth_response_bytes_total",
          "Bytes of inference responses as sent (HTTP body, gRPC message)",
          prometheus::MetricType::Counter)),
      load_duration_(prometheus::BuildHistogram()
                         .Name("berth_model_load_duration_seconds")
                         .Help("Duration of the model's successful version loads")
                         .Register(metrics_->registry())),
      load_failures_(prometheus::BuildCounter()
                         .Name("berth_model_load_failures_total")
                         .Help("Version loads of the model that failed")
                         .Register(metrics_->registry())) {
  for (const auto& family : {requests_, in_flight_, request_bytes_, response_bytes_}) {
    metrics_->AddCollectable(family);
  }
  for (const auto& family : {duration_, queue_, compute_, batch_size_}) {
    metrics_->AddCollectable(family);
  }
}

std::shared_ptr<VersionMetrics> VersionMetricsFactory::ForVersion(const std::string& model,
                                                                  int64_t version,
                                                                  int64_t max_batch_size) {
  std::lock_guard<std::mutex> lock(mu_);
  Live& live = live_[{model, version}];
  if (std::shared_ptr<VersionMetrics> existing = live.metrics.lock()) return existing;
  // Made under mu_: an expiring predecessor sees that it no longer owns the series.
  std::shared_ptr<VersionMetrics> made(
      new VersionMetrics(shared_from_this(), model, version, max_batch_size));
  live.metrics = made;
  live.owner = made.get();
  return made;
}

void VersionMetricsFactory::Release(VersionMetrics* m) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find({m->model_, m->version_});
  if (it == live_.end() || it->second.owner != m) return;  // a successor took the series over
  live_.erase(it);
  for (const auto& c : m->requests_) requests_->Remove(c);
  duration_->Remove(m->duration_);
  queue_->Remove(m->queue_);
  compute_->Remove(m->compute_);
  batch_size_->Remove(m->batch_size_);
  in_flight_->Remove(m->in_flight_);
  request_bytes_->Remove(m->request_bytes_);
  response_bytes_->Remove(m->response_bytes_);
}

void VersionMetricsFactory::RecordLoad(const std::string& model, double seconds, bool loaded) {
  if (loaded) {
    load_duration_.Add({{"model", model}}, LoadBuckets()).Observe(seconds);
    load_failures_.Add({{"model", model}});  // shown as 0 until a load fails
  } else {
    load_failures_.Add({{"model", model}}).Increment();
  }
}

}  // namespace berth::serving
