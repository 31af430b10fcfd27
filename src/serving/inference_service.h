// The inference service: the one in-process API that the HTTP and gRPC front ends call. It
// owns the model manager (which versions are loaded), a scheduler per ready version, the
// repository polling of `poll` mode, the request statistics, and the server's readiness and
// shutdown. Front ends only translate: parse a request, call one method here, encode the
// answer; they never pick status codes (protocol/status_codes.h does) nor touch models.
//
//   ASSIGN_OR_RETURN(auto service, InferenceService::Create(options));
//   service->Infer(std::move(request), cancelled, [](InferResult r) { ... });
//   ...
//   service->BeginShutdown();          // readiness false, new requests refused
//   service->WaitIdle(deadline);       // in-flight requests finish
//   service.reset();                   // schedulers drained and joined
//
// Thread safety: every method may be called from any thread at once.
#ifndef BERTH_SERVING_INFERENCE_SERVICE_H_
#define BERTH_SERVING_INFERENCE_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/names.h"
#include "monitoring/events.h"
#include "monitoring/metrics.h"
#include "protocol/feedback_json.h"
#include "protocol/infer_types.h"
#include "protocol/metadata_json.h"
#include "protocol/statistics_json.h"
#include "quality/quality_monitor.h"
#include "rollout/canary_analysis.h"
#include "rollout/routes.h"
#include "serving/model_manager.h"
#include "serving/scheduler.h"
#include "serving/service_metrics.h"

namespace berth::serving {

// Which models load and when (Triton's --model-control-mode).
enum class ModelControlMode {
  kNone,      // every model of the repository at start; the repository API may not change them
  kPoll,      // as kNone, then the repository is re-read every poll interval
  kExplicit,  // only `startup_models` at start; the repository API loads and unloads
};
// "none", "poll", "explicit"; InvalidArgument naming the word otherwise.
absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& word);

struct ServiceOptions {
  std::filesystem::path repository;
  // Where models come from; empty: the model repository folder `repository`.
  std::shared_ptr<ModelSource> source;
  ModelControlMode control_mode = ModelControlMode::kNone;
  std::chrono::milliseconds poll_interval{1000};
  // With kExplicit: the models loaded at start.
  std::vector<std::string> startup_models;
  // Intra-op threads of a version whose config leaves intra_op_threads at 0.
  int default_intra_op_threads = 0;
  // Versions whose runs take at most this long run a request on the thread that received it
  // when they are idle and do not batch (SchedulerOptions::inline_max_us); 0 never does.
  int64_t inline_run_max_us = 200;
  std::string server_version = "0";  // shown in the server metadata
  // With the model registry: where each alias points (and its rollout), published by the
  // registry follower; requests naming no version go to `default_alias`. Empty without a
  // registry: a request naming an alias gets NotFound.
  std::shared_ptr<const rollout::Routes> routes;
  std::string default_alias = "production";
  // Fed with the outcome of every request a rollout routes (set with `routes`).
  std::shared_ptr<rollout::RolloutMonitor> monitor;
  ModelLoadFn load = EngineLoader();
  // Where the service's metrics go (GET /metrics renders it); null: none are kept.
  std::shared_ptr<monitoring::Metrics> metrics;
  // Where rollout and drift events go (the webhook notifier); null: nowhere.
  std::shared_ptr<monitoring::EventSink> events;
  // Live drift and accuracy (quality/quality_monitor.h), exported through `metrics`.
  quality::QualityOptions quality;
};

using InferResult = absl::StatusOr<protocol::InferResponse>;
using InferDone = std::function<void(InferResult)>;

class InferenceService {
 public:
  // Loads what the mode asks for at start and, with kPoll, starts the poll thread. Fails
  // when the repository cannot be read. A model that fails to load does not fail Create: it
  // is shown FAILED in the index and the server is still ready (as Triton with
  // --exit-on-error=false); Create logs it.
  static absl::StatusOr<std::unique_ptr<InferenceService>> Create(ServiceOptions options);

  // Stops polling, refuses new requests, drains every scheduler and joins them.
  ~InferenceService();
  InferenceService(const InferenceService&) = delete;
  InferenceService& operator=(const InferenceService&) = delete;

  bool Live() const { return true; }
  // True from the end of Create until BeginShutdown.
  bool Ready() const;

  // The server metadata: name "berth", its version, the extensions supported; and the same
  // as the HTTP body.
  std::string ServerName() const { return "berth"; }
  const std::string& ServerVersion() const { return options_.server_version; }
  std::string ServerMetadataJson() const;
  static const std::vector<std::string>& Extensions();

  // Versions are named by number, by alias (with the registry), or not at all: the default
  // is the registry's default alias, or without a registry the highest ready version. An
  // alias without the registry, or one the model does not have, is NotFound.

  // Whether the version is ready. NotFound for an unknown model or version; InvalidArgument
  // for an invalid name.
  absl::StatusOr<bool> ModelReady(const std::string& name, const VersionRef& version) const;

  // The signature of a ready version, with every ready version's number.
  absl::StatusOr<protocol::ModelMetadata> ModelMetadata(const std::string& name,
                                                        const VersionRef& version) const;
  // The version's config as Triton's JSON model configuration ("name", "platform",
  // "max_batch_size", "input", "output", "dynamic_batching", "instance_group"...).
  absl::StatusOr<std::string> ModelConfigJson(const std::string& name,
                                              const VersionRef& version) const;

  // Runs `request` on model `name`, version `version` (an alias's rollout may send it to its
  // candidate instead, or copy it there). `done` is
  // called exactly once, on a scheduler thread or (for errors found before queueing) on the
  // caller's thread before Infer returns; it must not block for long. Errors (all naming
  // what was wrong): InvalidArgument for an invalid name, an input the model does not have,
  // a missing or duplicate input, a datatype or shape the model does not take, more rows
  // than max_batch_size, an unknown requested output; NotFound for an unknown model or
  // version; Unavailable when the version is not ready, the service is shutting down, or
  // the queue is full; DeadlineExceeded when the request's timeout passed in the queue;
  // Cancelled when `cancelled` became true before it ran (may be null).
  void Infer(const std::string& name, const VersionRef& version, protocol::InferRequest request,
             std::shared_ptr<const std::atomic<bool>> cancelled, InferDone done);

  // Every model of the repository and every loaded version: loaded versions with their
  // state, models of the repository with nothing loaded as state "UNAVAILABLE" (version 0,
  // with the reason when the model cannot serve). With `ready_only`, only READY versions.
  absl::StatusOr<std::vector<protocol::IndexEntry>> RepositoryIndex(bool ready_only) const;

  // The repository extension. FailedPrecondition unless the mode is kExplicit; otherwise as
  // ModelManager::Load / Unload. Unavailable while shutting down.
  absl::Status LoadModel(const std::string& name);
  absl::Status UnloadModel(const std::string& name);

  // Statistics of every ready version (empty name), of a model's versions (the default
  // version), or of one version. NotFound for an unknown model or version.
  absl::StatusOr<std::vector<protocol::VersionStatistics>> Statistics(
      const std::string& name, const VersionRef& version) const;

  // Joins a feedback label (`body`: protocol/feedback_json.h) to the prediction recorded
  // under its id for model `name` (any of its versions). InvalidArgument for an invalid name
  // or body (naming what is wrong) or a label that does not fit the prediction; NotFound for
  // a model that serves no version (no series is made for it), or an id with no recorded
  // prediction (never seen, evicted, already labelled).
  absl::StatusOr<protocol::FeedbackReply> Feedback(const std::string& name, absl::string_view body);

  // Every metric in Prometheus's text format (monitoring::kExpositionContentType).
  // NotFound when the service keeps no metrics (ServiceOptions::metrics is null).
  absl::StatusOr<std::string> MetricsText() const;

  // A front end could not decode an infer request for `name` `version`: counted as that
  // version's rejected request (or as unrouted when it names no loaded version). Looks the
  // version up; for the error path only. `wire_bytes`: the request's size as received.
  void CountUndecodable(const std::string& name, const VersionRef& version, int64_t wire_bytes);

  // The model manager (the registry follower loads through it).
  ModelManager& manager() { return manager_; }

  // Readiness turns false; Infer and the repository calls answer Unavailable from now on;
  // polling stops. Requests already accepted go on. Idempotent.
  void BeginShutdown();
  // Waits until no accepted request is running or queued, or until `deadline`. Returns
  // whether the service became idle.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline);
  // Requests accepted and not yet answered.
  int64_t InFlight() const;

 private:
  explicit InferenceService(ServiceOptions options);
  void PollLoop();
  // The route of the alias `ref` names (the default alias when it names nothing and there
  // are routes); nullopt when it names a number, or nothing without routes. NotFound for an
  // alias the model does not have, or any alias without routes.
  absl::StatusOr<std::optional<rollout::AliasRoute>> AliasRouteFor(const std::string& name,
                                                                   const VersionRef& ref) const;
  // The version number `ref` names for `name`: a number as it is, an alias through the
  // routes, the default as described above (0 = the highest ready one).
  absl::StatusOr<int64_t> ResolveVersion(const std::string& name, const VersionRef& ref) const;
  // Where an infer request goes; `request_id` picks the canary arm.
  absl::StatusOr<rollout::Target> RouteInfer(const std::string& name, const VersionRef& ref,
                                             const std::string& request_id) const;
  // `done`, recording first the request's outcome and latency for the rollout's candidate
  // (or baseline) arm, in the monitor and in the metrics of `name`'s `alias`.
  InferDone RecordingOutcome(const std::string& name, const std::string& alias, int64_t rollout_id,
                             bool candidate, InferDone done) const;
  // Submits a copy of `request` to the shadow version and returns `done` wrapped so that the
  // two answers are compared (a disagreement counts as the candidate's error).
  InferDone StartShadowCopy(const std::string& name, const std::string& alias, int64_t shadow,
                            int64_t rollout_id, const protocol::InferRequest& request,
                            InferDone done);
  // Submits `request` to `version`; `done` as Infer's; `accepted`: when Infer was called.
  void Submit(const std::string& name, int64_t version, protocol::InferRequest request,
              std::shared_ptr<const std::atomic<bool>> cancelled, InferDone done,
              SteadyClock::time_point accepted, bool shadow = false);
  // Checks the request against the version and turns it into a job whose done() answers
  // `done` (moved from only on success); InvalidArgument naming what was wrong.
  // `shadow`: a shadow copy, whose prediction is not recorded for feedback (the client got
  // the baseline's).
  absl::StatusOr<InferenceJob> MakeJob(const ServableVersion& version,
                                       protocol::InferRequest request,
                                       std::shared_ptr<const std::atomic<bool>> cancelled,
                                       InferDone& done, SteadyClock::time_point accepted,
                                       bool shadow);
  // Counts a request that reached no version, when the service keeps metrics.
  void CountUnrouted(Unrouted reason) const;
  // Counts a request for which the manager's Get failed with `status` as unrouted.
  void CountMissingVersion(const std::string& name, const absl::Status& status) const;
  void RequestStarted();
  void RequestFinished();
  absl::Status CheckAcceptingRequests() const;
  // CheckAcceptingRequests, and the mode must be kExplicit.
  absl::Status CheckRepositoryCallsAllowed() const;

  const ServiceOptions options_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> shutting_down_{false};
  mutable std::mutex mu_;
  std::condition_variable changed_;  // in_flight_ or shutting_down_ changed
  int64_t in_flight_ = 0;            // guarded by mu_
  // Null when options_.metrics is; before manager_, whose versions hold series it makes.
  std::unique_ptr<ServiceMetrics> metrics_;
  // Live drift and accuracy; registered with options_.metrics.
  std::shared_ptr<quality::QualityMonitor> quality_;
  // After the members above: its destructor runs the jobs still queued, whose done() uses them.
  ModelManager manager_;
  std::thread poller_;
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_INFERENCE_SERVICE_H_
