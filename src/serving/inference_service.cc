#include "serving/inference_service.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "engine/runtime/input_validation.h"
#include "protocol/datatype.h"
#include "serving/model_config_json.h"
#include "serving/quality_tap.h"
#include "spdlog/spdlog.h"

namespace berth::serving {
namespace {

int64_t NanosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Names(const std::vector<engine::TensorSignature>& values) {
  return absl::StrJoin(values, ", ", [](std::string* out, const engine::TensorSignature& v) {
    absl::StrAppend(out, "'", v.name, "'");
  });
}

// What the response keeps of the request: which outputs, in which form.
struct ResponsePlan {
  std::string model_name;
  std::string model_version;
  std::string model_digest;
  std::string id;
  struct Output {
    size_t index;  // in the model's outputs
    std::string name;
    bool binary;
  };
  std::vector<Output> outputs;
};

absl::StatusOr<ResponsePlan> PlanResponse(const ServableVersion& version,
                                          const protocol::InferRequest& request) {
  ResponsePlan plan{
      version.model_name, std::to_string(version.version), version.digest, request.id, {}};
  const std::vector<engine::TensorSignature>& outputs = version.model->outputs();
  if (request.outputs.empty()) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      plan.outputs.push_back({i, outputs[i].name, request.binary_outputs});
    }
    return plan;
  }
  std::set<std::string> seen;
  for (const protocol::RequestedOutput& wanted : request.outputs) {
    auto it = std::find_if(outputs.begin(), outputs.end(),
                           [&](const engine::TensorSignature& o) { return o.name == wanted.name; });
    if (it == outputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("model '", version.model_name,
                                                     "' has no output '", wanted.name,
                                                     "' (its outputs: ", Names(outputs), ")"));
    }
    if (!seen.insert(wanted.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", wanted.name, "' is requested twice"));
    }
    plan.outputs.push_back({static_cast<size_t>(it - outputs.begin()), wanted.name,
                            wanted.binary || request.binary_outputs});
  }
  return plan;
}

// The request's inputs in graph input order, converted to the types the model takes.
absl::StatusOr<std::vector<engine::Tensor>> OrderInputs(const ServableVersion& version,
                                                        protocol::InferRequest& request) {
  const std::vector<engine::TensorSignature>& declared = version.model->inputs();
  std::vector<engine::Tensor> ordered(declared.size());
  std::vector<bool> given(declared.size(), false);
  for (protocol::InferInput& input : request.inputs) {
    auto it = std::find_if(declared.begin(), declared.end(),
                           [&](const engine::TensorSignature& d) { return d.name == input.name; });
    if (it == declared.end()) {
      return absl::InvalidArgumentError(absl::StrCat("model '", version.model_name,
                                                     "' has no input '", input.name,
                                                     "' (its inputs: ", Names(declared), ")"));
    }
    const size_t i = static_cast<size_t>(it - declared.begin());
    if (given[i]) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "' is given twice"));
    }
    given[i] = true;
    ASSIGN_OR_RETURN(ordered[i],
                     protocol::ConvertInput(input.name, std::move(input.tensor), it->dtype));
  }
  for (size_t i = 0; i < declared.size(); ++i) {
    if (!given[i]) {
      return absl::InvalidArgumentError(absl::StrCat("input '", declared[i].name, "' of model '",
                                                     version.model_name, "' is missing"));
    }
  }
  std::vector<const engine::Tensor*> pointers;
  for (const engine::Tensor& t : ordered) pointers.push_back(&t);
  RETURN_IF_ERROR(engine::ValidateInputs(declared, pointers));
  const int64_t max_batch = version.config.max_batch_size;
  if (max_batch > 0) {
    for (size_t i = 0; i < ordered.size(); ++i) {
      if (ordered[i].rank() > 0 && ordered[i].dim(0) > max_batch) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", declared[i].name, "' has a batch of ", ordered[i].dim(0), " but model '",
            version.model_name, "' takes at most ", max_batch, " (max_batch_size)"));
      }
    }
  }
  return ordered;
}

InferResult BuildResponse(const ResponsePlan& plan, std::vector<engine::Tensor> outputs) {
  protocol::InferResponse response;
  response.model_name = plan.model_name;
  response.model_version = plan.model_version;
  response.model_digest = plan.model_digest;
  response.id = plan.id;
  for (const ResponsePlan::Output& o : plan.outputs) {
    if (o.index >= outputs.size()) {
      return absl::InternalError(absl::StrCat("the model gave no output '", o.name, "'"));
    }
    response.outputs.push_back({o.name, std::move(outputs[o.index]), o.binary});
  }
  return response;
}

}  // namespace

absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& word) {
  if (word == "none") return ModelControlMode::kNone;
  if (word == "poll") return ModelControlMode::kPoll;
  if (word == "explicit") return ModelControlMode::kExplicit;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown model control mode '", word, "' (expected none, poll or explicit)"));
}

namespace {

ServiceOptions WithSource(ServiceOptions options) {
  if (!options.source) options.source = MakeRepositorySource(options.repository);
  return options;
}

}  // namespace

InferenceService::InferenceService(ServiceOptions options)
    : options_(WithSource(std::move(options))),
      metrics_(options_.metrics ? std::make_unique<ServiceMetrics>(options_.metrics) : nullptr),
      quality_(std::make_shared<quality::QualityMonitor>(
          options_.quality, options_.events,
          [this](const quality::VersionKey& v) { return manager_.Get(v.model, v.version).ok(); })),
      manager_(options_.source, options_.load, options_.default_intra_op_threads,
               options_.inline_run_max_us, metrics_ ? metrics_->versions() : nullptr) {
  if (options_.metrics) options_.metrics->AddCollectable(quality_);
}

absl::StatusOr<std::unique_ptr<InferenceService>> InferenceService::Create(ServiceOptions options) {
  std::unique_ptr<InferenceService> service(new InferenceService(std::move(options)));
  const ServiceOptions& o = service->options_;
  // Reading the repository must work; one model failing to load must not stop the others.
  RETURN_IF_ERROR(o.source->ScanAll().status());
  if (o.control_mode == ModelControlMode::kExplicit) {
    for (const std::string& name : o.startup_models) {
      absl::Status st = service->manager_.Load(name);
      if (!st.ok()) spdlog::warn("model '{}' did not load: {}", name, std::string(st.message()));
    }
  } else {
    absl::Status st = service->manager_.LoadAll();
    if (!st.ok()) spdlog::warn("not every model loaded: {}", std::string(st.message()));
  }
  if (service->metrics_) service->metrics_->Watch(&service->manager_, o.routes);
  if (o.control_mode == ModelControlMode::kPoll) {
    service->poller_ = std::thread([s = service.get()] { s->PollLoop(); });
  }
  service->ready_ = true;
  return service;
}

InferenceService::~InferenceService() {
  if (metrics_) metrics_->Detach();  // scrapes stop sampling the manager before it goes
  BeginShutdown();
  if (poller_.joinable()) poller_.join();
  // manager_'s destructor drains and joins every scheduler.
}

void InferenceService::PollLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutting_down_) {
    changed_.wait_for(lock, options_.poll_interval, [this] { return shutting_down_.load(); });
    if (shutting_down_) return;
    lock.unlock();
    absl::Status st = manager_.LoadAll();
    if (!st.ok()) spdlog::warn("repository poll: {}", std::string(st.message()));
    lock.lock();
  }
}

bool InferenceService::Ready() const { return ready_ && !shutting_down_; }

const std::vector<std::string>& InferenceService::Extensions() {
  static const std::vector<std::string> kExtensions = {"binary_tensor_data", "model_repository",
                                                       "statistics", "model_configuration"};
  return kExtensions;
}

std::string InferenceService::ServerMetadataJson() const {
  return protocol::ServerMetadataJson(ServerName(), ServerVersion(), Extensions());
}

absl::StatusOr<bool> InferenceService::ModelReady(const std::string& name,
                                                  const VersionRef& ref) const {
  RETURN_IF_ERROR(ValidateModelName(name));
  ASSIGN_OR_RETURN(int64_t version, ResolveVersion(name, ref));
  absl::StatusOr<std::shared_ptr<const ServableVersion>> v = manager_.Get(name, version);
  if (absl::IsUnavailable(v.status())) return false;
  RETURN_IF_ERROR(v.status());
  return Ready();
}

absl::StatusOr<protocol::ModelMetadata> InferenceService::ModelMetadata(
    const std::string& name, const VersionRef& ref) const {
  RETURN_IF_ERROR(ValidateModelName(name));
  ASSIGN_OR_RETURN(int64_t version, ResolveVersion(name, ref));
  ASSIGN_OR_RETURN(std::shared_ptr<const ServableVersion> v, manager_.Get(name, version));
  protocol::ModelMetadata metadata;
  metadata.name = name;
  metadata.platform = "berth_onnx";
  for (const VersionStatus& s : manager_.Index()) {
    if (s.model_name == name && s.state == VersionState::kReady) {
      metadata.versions.push_back(s.version);
    }
  }
  metadata.inputs = v->model->inputs();
  metadata.outputs = v->model->outputs();
  return metadata;
}

absl::StatusOr<std::string> InferenceService::ModelConfigJson(const std::string& name,
                                                              const VersionRef& ref) const {
  RETURN_IF_ERROR(ValidateModelName(name));
  ASSIGN_OR_RETURN(int64_t version, ResolveVersion(name, ref));
  ASSIGN_OR_RETURN(std::shared_ptr<const ServableVersion> v, manager_.Get(name, version));
  return serving::ModelConfigJson(*v);
}

absl::Status InferenceService::CheckAcceptingRequests() const {
  if (shutting_down_) return absl::UnavailableError("the server is shutting down");
  if (!ready_) return absl::UnavailableError("the server is starting");
  return absl::OkStatus();
}

void InferenceService::RequestStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}

void InferenceService::RequestFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_ == 0) changed_.notify_all();
}

absl::StatusOr<InferenceJob> InferenceService::MakeJob(
    const ServableVersion& version, protocol::InferRequest request,
    std::shared_ptr<const std::atomic<bool>> cancelled, InferDone& done,
    SteadyClock::time_point accepted, bool shadow) {
  ASSIGN_OR_RETURN(ResponsePlan plan, PlanResponse(version, request));
  InferenceJob job;
  std::string request_id = shadow ? "" : protocol::EffectiveRequestId(request);
  ASSIGN_OR_RETURN(job.inputs, OrderInputs(version, request));
  QualityTap tap = TapInputs(quality_, version, std::move(request_id), job.inputs);
  if (request.timeout_us) {
    job.deadline = accepted + std::chrono::microseconds(*request.timeout_us);
  }
  job.cancelled = std::move(cancelled);
  // The version outlives every job of its scheduler (it stops only after they ran), so the
  // counters may be used from done().
  RequestCounters* counters = &version.counters;
  job.done = [this, counters, accepted, series = version.metrics, plan = std::move(plan),
              tap = std::move(tap),
              done = std::move(done)](JobResult result, const JobTiming& timing) mutable {
    InferResult response =
        result.ok() ? BuildResponse(plan, *std::move(result)) : InferResult(result.status());
    if (response.ok()) tap.Outputs(*response);
    const int64_t ns = NanosSince(accepted);
    if (response.ok()) {
      response->timing = {timing.queue_ns, timing.compute_ns, timing.batch_rows};
    }
    if (series) {
      series->Finished(ClassifyOutcome(response.status(), timing.ran), ns, timing);
      if (response.ok()) response->bytes_counter = std::move(series);
    }
    if (response.ok()) {
      counters->success_count.fetch_add(1, std::memory_order_relaxed);
      counters->success_ns.fetch_add(ns, std::memory_order_relaxed);
    } else {
      counters->fail_count.fetch_add(1, std::memory_order_relaxed);
      counters->fail_ns.fetch_add(ns, std::memory_order_relaxed);
    }
    counters->last_inference_ms.store(UnixMillisNow(), std::memory_order_relaxed);
    done(std::move(response));
    RequestFinished();
  };
  return job;
}

absl::StatusOr<std::optional<rollout::AliasRoute>> InferenceService::AliasRouteFor(
    const std::string& name, const VersionRef& ref) const {
  if (ref.number > 0 || (ref.is_default() && !options_.routes)) return std::nullopt;
  const std::string alias = ref.alias.empty() ? options_.default_alias : ref.alias;
  if (!options_.routes) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' has no alias '", alias,
                                            "': aliases come from the model registry "
                                            "(berth serve --registry)"));
  }
  std::optional<rollout::AliasRoute> route = options_.routes->Find(name, alias);
  if (!route) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' has no alias '", alias, "'"));
  }
  return route;
}

absl::StatusOr<rollout::Target> InferenceService::RouteInfer(const std::string& name,
                                                             const VersionRef& ref,
                                                             const std::string& request_id) const {
  ASSIGN_OR_RETURN(std::optional<rollout::AliasRoute> route, AliasRouteFor(name, ref));
  if (!route) {
    rollout::Target target;
    target.version = ref.number;
    return target;
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rollout::PickTarget(*route, request_id, std::uniform_real_distribution<>(0, 1)(rng));
}

absl::StatusOr<int64_t> InferenceService::ResolveVersion(const std::string& name,
                                                         const VersionRef& ref) const {
  ASSIGN_OR_RETURN(std::optional<rollout::AliasRoute> route, AliasRouteFor(name, ref));
  // The alias itself, not a canary draw: with a rollout, the route's version is the baseline.
  return route ? route->version : ref.number;
}

namespace {

// Whether two results of one request agree: the same outputs, types and shapes, and values
// equal within a float tolerance (a shadow candidate's answer against the baseline's).
bool SameAnswer(const protocol::InferResponse& a, const protocol::InferResponse& b) {
  if (a.outputs.size() != b.outputs.size()) return false;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    const engine::Tensor& x = a.outputs[i].tensor;
    const engine::Tensor& y = b.outputs[i].tensor;
    if (x.dtype() != y.dtype() || x.shape() != y.shape()) return false;
    if (x.dtype() == engine::DataType::kFloat) {
      for (int64_t k = 0; k < x.num_elements(); ++k) {
        const float p = x.data<float>()[k], q = y.data<float>()[k];
        if (std::fabs(p - q) > 1e-4f + 1e-3f * std::fabs(p)) return false;
      }
    } else if (x.dtype() == engine::DataType::kString) {
      if (!std::equal(x.strings().begin(), x.strings().end(), y.strings().begin())) return false;
    } else if (std::memcmp(x.raw_data(), y.raw_data(),
                           x.num_elements() * engine::DataTypeSize(x.dtype())) != 0) {
      return false;
    }
  }
  return true;
}

protocol::InferRequest CopyRequest(const protocol::InferRequest& request) {
  protocol::InferRequest copy;
  copy.id = request.id;
  copy.request_id = request.request_id;
  copy.traceparent = request.traceparent;
  for (const protocol::InferInput& in : request.inputs) {
    copy.inputs.push_back({in.name, in.tensor.Clone()});
  }
  copy.outputs = request.outputs;
  copy.binary_outputs = request.binary_outputs;
  copy.timeout_us = request.timeout_us;
  return copy;
}

protocol::InferResponse CopyResponse(const protocol::InferResponse& response) {
  protocol::InferResponse copy;
  copy.model_name = response.model_name;
  copy.model_version = response.model_version;
  for (const protocol::InferOutput& o : response.outputs) {
    copy.outputs.push_back({o.name, o.tensor.Clone(), o.binary});
  }
  return copy;
}

double MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count();
}

// A shadow pair: the baseline's answer and the candidate's copy meet here; whichever comes
// second compares them and records the candidate's arm.
struct ShadowPair {
  std::mutex mu;
  std::optional<InferResult> baseline;  // a copy of what the client got
  std::optional<InferResult> candidate;
  double candidate_us = 0;
};

}  // namespace

void InferenceService::Infer(const std::string& name, const VersionRef& ref,
                             protocol::InferRequest request,
                             std::shared_ptr<const std::atomic<bool>> cancelled, InferDone done) {
  const SteadyClock::time_point accepted = SteadyClock::now();
  absl::Status accepting = CheckAcceptingRequests();
  if (!accepting.ok()) {
    CountUnrouted(Unrouted::kNotAccepting);
    return done(accepting);
  }
  absl::Status valid = ValidateModelName(name);
  if (!valid.ok()) {
    CountUnrouted(Unrouted::kInvalidName);
    return done(valid);
  }
  absl::StatusOr<rollout::Target> target =
      RouteInfer(name, ref, protocol::EffectiveRequestId(request));
  if (!target.ok()) {
    // With the registry, a model it does not serve has no alias either.
    CountUnrouted(manager_.HasModel(name) ? Unrouted::kUnknownAlias : Unrouted::kUnknownModel);
    return done(target.status());
  }
  if (target->rollout_id && options_.monitor) {
    const std::string alias = ref.alias.empty() ? options_.default_alias : ref.alias;
    if (target->shadow) {
      done = StartShadowCopy(name, alias, *target->shadow, *target->rollout_id, request,
                             std::move(done));
    }
    done = RecordingOutcome(name, alias, *target->rollout_id, target->candidate, std::move(done));
  }
  Submit(name, target->version, std::move(request), std::move(cancelled), std::move(done),
         accepted);
}

void InferenceService::CountUnrouted(Unrouted reason) const {
  if (metrics_) metrics_->CountUnrouted(reason);
}

void InferenceService::CountMissingVersion(const std::string& name,
                                           const absl::Status& status) const {
  if (!metrics_) return;
  metrics_->CountUnrouted(absl::IsUnavailable(status) ? Unrouted::kNotReady
                          : manager_.HasModel(name)   ? Unrouted::kUnknownVersion
                                                      : Unrouted::kUnknownModel);
}

InferDone InferenceService::RecordingOutcome(const std::string& name, const std::string& alias,
                                             int64_t rollout_id, bool candidate,
                                             InferDone done) const {
  const SteadyClock::time_point start = SteadyClock::now();
  return [monitor = options_.monitor, metrics = metrics_.get(), name, alias, rollout_id, candidate,
          start, done = std::move(done)](InferResult r) {
    // A client that went away says nothing about the version.
    if (!absl::IsCancelled(r.status())) {
      monitor->Record(rollout_id, candidate, r.ok(), MicrosSince(start));
    }
    if (metrics) {
      metrics->CountRolloutRequest(name, alias,
                                   candidate ? RolloutArm::kCandidate : RolloutArm::kBaseline,
                                   ClassifyAnswer(r.status()));
    }
    done(std::move(r));
  };
}

InferDone InferenceService::StartShadowCopy(const std::string& name, const std::string& alias,
                                            int64_t shadow, int64_t rollout_id,
                                            const protocol::InferRequest& request, InferDone done) {
  const SteadyClock::time_point start = SteadyClock::now();
  auto pair = std::make_shared<ShadowPair>();
  ServiceMetrics* metrics = metrics_.get();
  // Whichever answer comes second compares the two and records the candidate's arm.
  auto judge = [monitor = options_.monitor, metrics, name, alias, rollout_id](ShadowPair& p) {
    const bool agree =
        p.candidate->ok() && p.baseline->ok() && SameAnswer(**p.baseline, **p.candidate);
    monitor->Record(rollout_id, true, agree || !p.baseline->ok(), p.candidate_us);
    // Only an answered baseline gives something to compare with.
    if (metrics && p.baseline->ok()) metrics->CountShadowComparison(name, alias, agree);
  };
  Submit(
      name, shadow, CopyRequest(request), nullptr,
      [pair, judge, start, metrics, name, alias](InferResult r) {
        if (metrics) {
          metrics->CountRolloutRequest(name, alias, RolloutArm::kShadow,
                                       ClassifyAnswer(r.status()));
        }
        std::lock_guard<std::mutex> lock(pair->mu);
        pair->candidate_us = MicrosSince(start);
        pair->candidate = std::move(r);
        if (pair->baseline) judge(*pair);
      },
      start, /*shadow=*/true);
  return [pair, judge, done = std::move(done)](InferResult r) {
    {
      std::lock_guard<std::mutex> lock(pair->mu);
      pair->baseline = r.ok() ? InferResult(CopyResponse(*r)) : InferResult(r.status());
      if (pair->candidate) judge(*pair);
    }
    done(std::move(r));
  };
}

void InferenceService::Submit(const std::string& name, int64_t version,
                              protocol::InferRequest request,
                              std::shared_ptr<const std::atomic<bool>> cancelled, InferDone done,
                              SteadyClock::time_point accepted, bool shadow) {
  absl::StatusOr<std::shared_ptr<const ServableVersion>> servable = manager_.Get(name, version);
  if (!servable.ok()) {
    CountMissingVersion(name, servable.status());
    return done(servable.status());
  }
  // Held until the job is queued: the manager stops a retired version only once nothing
  // holds it, and then runs its queued jobs first.
  const ServableVersion& v = **servable;
  RequestStarted();
  if (v.metrics) v.metrics->Started(request.wire_bytes);
  absl::StatusOr<InferenceJob> job =
      MakeJob(v, std::move(request), std::move(cancelled), done, accepted, shadow);
  if (!job.ok()) {
    v.counters.fail_count.fetch_add(1, std::memory_order_relaxed);
    if (v.metrics) v.metrics->Finished(Outcome::kRejected, NanosSince(accepted), JobTiming());
    done(job.status());
    return RequestFinished();
  }
  absl::Status queued = v.scheduler->Submit(std::move(*job));
  if (!queued.ok()) {
    // A full queue answers at once (503), as does a version that is stopping. The job's own
    // done() counts the failure and answers.
    if (absl::IsResourceExhausted(queued)) queued = absl::UnavailableError(queued.message());
    job->done(queued, JobTiming());
  }
}

absl::StatusOr<std::vector<protocol::IndexEntry>> InferenceService::RepositoryIndex(
    bool ready_only) const {
  ASSIGN_OR_RETURN(std::vector<RepositoryModel> models, options_.source->ScanAll());
  std::vector<protocol::IndexEntry> entries;
  std::set<std::string> loaded;
  for (const VersionStatus& s : manager_.Index()) {
    if (ready_only && s.state != VersionState::kReady) continue;
    loaded.insert(s.model_name);
    entries.push_back({s.model_name, s.version, VersionStateName(s.state), s.reason});
  }
  if (!ready_only) {
    for (const RepositoryModel& m : models) {
      if (loaded.count(m.name)) continue;
      entries.push_back({m.name, 0, "UNAVAILABLE",
                         m.status.ok() ? "not loaded" : std::string(m.status.message())});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  return entries;
}

absl::Status InferenceService::CheckRepositoryCallsAllowed() const {
  RETURN_IF_ERROR(CheckAcceptingRequests());
  if (options_.control_mode != ModelControlMode::kExplicit) {
    return absl::FailedPreconditionError(
        "loading and unloading models needs --model-control-mode explicit");
  }
  return absl::OkStatus();
}

absl::Status InferenceService::LoadModel(const std::string& name) {
  RETURN_IF_ERROR(CheckRepositoryCallsAllowed());
  return manager_.Load(name);
}

absl::Status InferenceService::UnloadModel(const std::string& name) {
  RETURN_IF_ERROR(CheckRepositoryCallsAllowed());
  return manager_.Unload(name);
}

absl::StatusOr<std::vector<protocol::VersionStatistics>> InferenceService::Statistics(
    const std::string& name, const VersionRef& ref) const {
  if (!name.empty()) RETURN_IF_ERROR(ValidateModelName(name));
  int64_t version = 0;
  if (!ref.is_default()) {
    ASSIGN_OR_RETURN(version, ResolveVersion(name, ref));
  }
  std::vector<std::shared_ptr<const ServableVersion>> versions;
  if (!name.empty() && version != 0) {
    ASSIGN_OR_RETURN(std::shared_ptr<const ServableVersion> v, manager_.Get(name, version));
    versions.push_back(std::move(v));
  } else {
    for (const VersionStatus& s : manager_.Index()) {
      if (s.state != VersionState::kReady || (!name.empty() && s.model_name != name)) continue;
      absl::StatusOr<std::shared_ptr<const ServableVersion>> v =
          manager_.Get(s.model_name, s.version);
      if (v.ok()) versions.push_back(*std::move(v));  // it may have retired meanwhile
    }
    if (!name.empty() && versions.empty()) {
      return absl::NotFoundError(absl::StrCat("unknown model '", name, "'"));
    }
  }
  std::vector<protocol::VersionStatistics> stats;
  for (const auto& v : versions) {
    const SchedulerStats runs = v->scheduler->stats();
    const RequestCounters& c = v->counters;
    protocol::VersionStatistics s;
    s.model_name = v->model_name;
    s.version = v->version;
    s.last_inference_ms = c.last_inference_ms.load();
    s.inference_count = runs.rows_run;
    s.execution_count = runs.executions;
    s.success_count = c.success_count.load();
    s.success_ns = c.success_ns.load();
    s.fail_count = c.fail_count.load();
    s.fail_ns = c.fail_ns.load();
    s.queue_ns = runs.queue_ns;
    s.compute_ns = runs.compute_ns;
    stats.push_back(s);
  }
  return stats;
}

void InferenceService::BeginShutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  changed_.notify_all();
}

bool InferenceService::WaitIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_until(lock, deadline, [this] { return in_flight_ == 0; });
}

absl::StatusOr<protocol::FeedbackReply> InferenceService::Feedback(const std::string& name,
                                                                   absl::string_view body) {
  RETURN_IF_ERROR(ValidateModelName(name));
  const std::vector<VersionStatus> index = manager_.Index();
  if (std::none_of(index.begin(), index.end(), [&](const VersionStatus& s) {
        return s.model_name == name && s.state == VersionState::kReady;
      })) {
    return absl::NotFoundError(absl::StrCat("unknown model '", name, "' (no version serves)"));
  }
  absl::StatusOr<protocol::FeedbackRequest> request = protocol::ParseFeedbackJson(body);
  if (!request.ok()) {
    quality_->CountInvalidFeedback(name);
    return request.status();
  }
  ASSIGN_OR_RETURN(
      quality::FeedbackResult joined,
      quality_->Feedback(name, {request->id, request->label, request->label_is_integer}));
  protocol::FeedbackReply reply;
  reply.model = name;
  reply.version = joined.version;
  reply.id = request->id;
  reply.classification = joined.classification;
  reply.label = request->label;
  reply.predicted =
      joined.classification ? static_cast<double>(joined.predicted_class) : joined.predicted;
  reply.correct = joined.correct;
  reply.absolute_error = joined.absolute_error;
  return reply;
}

absl::StatusOr<std::string> InferenceService::MetricsText() const {
  if (options_.metrics == nullptr) return absl::NotFoundError("this server keeps no metrics");
  return options_.metrics->Render();
}

void InferenceService::CountUndecodable(const std::string& name, const VersionRef& ref,
                                        int64_t wire_bytes) {
  if (!metrics_) return;
  if (!ValidateModelName(name).ok()) return CountUnrouted(Unrouted::kInvalidName);
  absl::StatusOr<int64_t> version = ResolveVersion(name, ref);
  if (!version.ok()) return CountUnrouted(Unrouted::kUnknownAlias);
  absl::StatusOr<std::shared_ptr<const ServableVersion>> v = manager_.Get(name, *version);
  if (!v.ok()) return CountMissingVersion(name, v.status());
  if ((*v)->metrics) (*v)->metrics->CountUndecodable(wire_bytes);
}

int64_t InferenceService::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

}  // namespace berth::serving
