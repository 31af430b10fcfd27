// The model manager: which versions of which models are loaded, in what state, and the
// switch from one version to the next without a failed request.
//
// Each version moves through explicit states (loading -> ready -> unloading -> gone, or
// loading -> failed) that the repository API and metrics can show. Policies, as in TF
// Serving's availability-preserving policy: a new version is loaded while the old ones serve;
// only once it is ready do versions the policy no longer selects retire; a version that fails
// to load leaves whatever was serving untouched. Each ready version has its own scheduler.
// A request holds a shared_ptr to the version from Get until its job is queued; a retired
// version stops (its scheduler runs every queued job, then joins) on the manager's own
// thread once nothing holds it, so requests in flight finish on the version they started on
// and no version is ever destroyed on one of its own scheduler threads.
#ifndef BERTH_SERVING_MODEL_MANAGER_H_
#define BERTH_SERVING_MODEL_MANAGER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/runtime/model.h"
#include "quality/profile.h"
#include "serving/model_config.h"
#include "serving/model_source.h"
#include "serving/repository.h"
#include "serving/scheduler.h"
#include "serving/version_metrics.h"

namespace berth::serving {

enum class VersionState { kLoading, kReady, kUnloading, kFailed };
const char* VersionStateName(VersionState state);  // "LOADING", "READY", "UNLOADING", "FAILED"

// Request outcomes of one version, counted by the service (scheduler.h counts the runs).
struct RequestCounters {
  std::atomic<int64_t> success_count{0};
  std::atomic<int64_t> success_ns{0};
  std::atomic<int64_t> fail_count{0};
  std::atomic<int64_t> fail_ns{0};
  std::atomic<int64_t> last_inference_ms{0};  // since the Unix epoch
};

// A loaded version, shared by the manager and the requests running on it.
struct ServableVersion {
  std::string model_name;
  int64_t version = 0;
  std::string digest;  // the artifact's SHA-256 when the source knows it (the registry)
  ModelConfig config;
  std::shared_ptr<const engine::Model> model;
  std::unique_ptr<Scheduler> scheduler;  // runs `model` (set for every version the manager made)
  // The drift reference profile the source had for it (checked against the model's
  // signature), or null: drift is then off, or built from live traffic.
  std::shared_ptr<const quality::Profile> profile;
  mutable RequestCounters counters;
  // Its series in the server's metrics; null when the server keeps none.
  std::shared_ptr<VersionMetrics> metrics;
};

// What the repository index shows for one version.
struct VersionStatus {
  std::string model_name;
  int64_t version = 0;
  VersionState state = VersionState::kLoading;
  std::string reason;  // why it failed, empty otherwise
};

// Loads one model file; a seam so that tests can inject load failures and slow loads.
using ModelLoadFn = std::function<absl::StatusOr<std::unique_ptr<engine::Model>>(
    const std::filesystem::path& file, const engine::ModelOptions& options)>;

// The engine's loader: engine::Model::LoadFromFile.
ModelLoadFn EngineLoader();

// Thread-safe: every method may be called from any thread at any time. Loads of one model
// are serialized; loads of different models may run at once.
class ModelManager {
 public:
  // `source` says which versions of which models to serve (model_source.h);
  // `default_threads` the intra-op threads of a version whose config leaves intra_op_threads
  // at 0; `inline_max_us` goes to every version's scheduler (SchedulerOptions::inline_max_us);
  // `metrics` (may be null) makes each ready version's series and records every load.
  ModelManager(std::shared_ptr<ModelSource> source, ModelLoadFn load, int default_threads,
               int64_t inline_max_us = 0,
               std::shared_ptr<VersionMetricsFactory> metrics = nullptr);
  // Stops every version's scheduler (each runs what it has queued first).
  ~ModelManager();
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  // Brings model `name` in line with the repository: loads the versions its policy selects
  // that are not ready (or whose file changed since they loaded; a file that failed is tried
  // again only once it changes), then retires the versions no longer selected, but only if at
  // least one selected version is ready. Fails with
  // InvalidArgument for an invalid name (before touching any file), NotFound when the
  // repository has no such model, and with the reason when the model or a selected version
  // cannot load (the versions that were serving keep serving).
  absl::Status Load(const std::string& name);

  // Retires every version of `name`. Requests already running finish. NotFound when nothing
  // of that model is loaded.
  absl::Status Unload(const std::string& name);

  // Load() for every model in the repository, and Unload() for loaded models whose folder
  // disappeared. Returns the first error (the other models are still handled).
  absl::Status LoadAll();

  // The version to run a request on: `version` itself, or with version 0 the highest ready
  // one. NotFound for an unknown model or version; Unavailable when it exists but is not
  // ready (loading, failed, unloading).
  absl::StatusOr<std::shared_ptr<const ServableVersion>> Get(const std::string& name,
                                                             int64_t version) const;

  // Every version the manager knows, by model name then version.
  std::vector<VersionStatus> Index() const;

  // Every ready version (what the metrics sample at scrape time).
  std::vector<std::shared_ptr<const ServableVersion>> ReadyVersions() const;

  // Whether any version of `name` is known (loaded, loading, failed).
  bool HasModel(const std::string& name) const;

 private:
  // A model file's modification time and size: what tells a replaced file from the loaded one.
  struct FileStamp {
    std::filesystem::file_time_type mtime{};
    uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
    static FileStamp Of(const std::filesystem::path& file);
  };
  struct Slot {
    VersionState state = VersionState::kLoading;
    std::string reason;
    absl::StatusCode failure = absl::StatusCode::kOk;  // with kFailed: the load error's code
    std::shared_ptr<const ServableVersion> servable;  // set when ready
    FileStamp file;  // of the file it was (last tried to be) loaded from
  };
  struct ModelEntry {
    std::mutex load_mu;  // serializes Load/Unload of this model
    std::map<int64_t, Slot> versions;  // guarded by ModelManager::mu_
  };

  ModelEntry& EntryFor(const std::string& name);
  bool NeedsLoad(const ModelEntry& entry, int64_t version, const FileStamp& file) const;
  absl::Status LoadVersion(ModelEntry& entry, const RepositoryModel& model, int64_t version,
                           const FileStamp& file);
  void RetireUnselected(ModelEntry& entry, const std::vector<int64_t>& selected);
  // The error of a selected version that failed to load and was not retried (its file is
  // unchanged), so that Load keeps reporting it; OK when there is none.
  absl::Status StandingFailure(const ModelEntry& entry, const std::string& name,
                               const std::vector<int64_t>& selected) const;
  // Moves a retired version to retiring_ (shown as UNLOADING while requests still hold it
  // or its scheduler has work).
  void Retire(Slot& slot);
  // The reaper thread: stops and frees retired versions nothing holds any more.
  void ReapLoop();

  const std::shared_ptr<ModelSource> source_;
  const ModelLoadFn load_;
  const int default_threads_;
  const int64_t inline_max_us_;
  const std::shared_ptr<VersionMetricsFactory> metrics_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<ModelEntry>> models_;  // guarded by mu_; never erased
  // Retired versions that requests may still be running on; guarded by mu_.
  std::vector<std::shared_ptr<const ServableVersion>> retiring_;
  bool stopping_ = false;  // guarded by mu_
  std::condition_variable reap_wake_;
  std::thread reaper_;
};

}  // namespace berth::serving

#endif  // BERTH_SERVING_MODEL_MANAGER_H_
