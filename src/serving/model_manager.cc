#include "serving/model_manager.h"

#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "quality/profile_json.h"
#include "spdlog/spdlog.h"

namespace berth::serving {
namespace fs = std::filesystem;

namespace {

absl::Status WithContext(const absl::Status& st, const std::string& name, int64_t version) {
  return absl::Status(st.code(), absl::StrCat("model '", name, "' version ", version, ": ",
                                              st.message()));
}

// With max_batch_size > 0 the first dimension of every input and output is the batch: it
// must be free (symbolic or unknown), as the server joins requests along it.
absl::Status CheckBatchable(const ModelConfig& config, const engine::Model& model) {
  if (config.max_batch_size <= 0) return absl::OkStatus();
  auto check = [](const std::vector<engine::TensorSignature>& values, const char* kind) {
    for (const engine::TensorSignature& v : values) {
      if (v.has_shape && (v.dims.empty() || v.dims[0].is_fixed())) {
        return absl::FailedPreconditionError(absl::StrCat(
            "max_batch_size is set but ", kind, " '", v.name,
            "' has no free first dimension to batch along (rank ", v.dims.size(),
            v.dims.empty() ? "" : absl::StrCat(", first dimension ", v.dims[0].value), ")"));
      }
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(check(model.inputs(), "input"));
  return check(model.outputs(), "output");
}

}  // namespace

ModelManager::FileStamp ModelManager::FileStamp::Of(const fs::path& file) {
  FileStamp stamp;
  std::error_code ec;
  stamp.mtime = fs::last_write_time(file, ec);
  stamp.size = fs::file_size(file, ec);
  if (ec) stamp.size = 0;
  return stamp;
}

const char* VersionStateName(VersionState state) {
  switch (state) {
    case VersionState::kLoading: return "LOADING";
    case VersionState::kReady: return "READY";
    case VersionState::kUnloading: return "UNLOADING";
    case VersionState::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

namespace {

// The version's reference profile from the source, parsed and checked against the model; null
// when there is none or it is bad (logged: the version serves without drift monitoring).
std::shared_ptr<const quality::Profile> ReadProfileOf(ModelSource& source,
                                                      const RepositoryModel& model, int64_t version,
                                                      const engine::Model& loaded) {
  absl::StatusOr<std::optional<std::string>> text = source.ReadProfile(model, version);
  if (text.ok() && !text->has_value()) return nullptr;
  absl::StatusOr<quality::Profile> profile = text.ok()
                                                 ? quality::ParseProfileJson(**text)
                                                 : absl::StatusOr<quality::Profile>(text.status());
  if (profile.ok()) {
    std::vector<std::string> inputs, outputs;
    for (const engine::TensorSignature& s : loaded.inputs()) inputs.push_back(s.name);
    for (const engine::TensorSignature& s : loaded.outputs()) outputs.push_back(s.name);
    absl::Status fits = quality::CheckProfileFits(*profile, inputs, outputs);
    if (fits.ok()) return std::make_shared<const quality::Profile>(*std::move(profile));
    profile = fits;
  }
  spdlog::warn("model '{}' version {}: its reference profile is not used, drift is off: {}",
               model.name, version, std::string(profile.status().message()));
  return nullptr;
}

// Runs `load` on a thread of its own that ends with it. Loading runs OpenMP regions (constant
// folding, weight reordering), and libgomp keeps a team of worker threads for every thread
// that ever ran one, for as long as that thread lives. Once the process holds more such
// workers than there are cores, libgomp cuts every team's spinning between parallel regions
// short, so the workers of the serving instances sleep and wake (a futex call each) between
// regions: ResNet-50 ran 15-20% slower in the server than alone. A loader thread that ends
// takes its team with it.
absl::StatusOr<std::unique_ptr<engine::Model>> LoadOnOwnThread(
    const std::function<absl::StatusOr<std::unique_ptr<engine::Model>>()>& load) {
  absl::StatusOr<std::unique_ptr<engine::Model>> loaded;
  std::thread([&] { loaded = load(); }).join();
  return loaded;
}

}  // namespace

ModelLoadFn EngineLoader() {
  return [](const fs::path& file, const engine::ModelOptions& options) {
    return engine::Model::LoadFromFile(file.string(), options);
  };
}

ModelManager::ModelManager(std::shared_ptr<ModelSource> source, ModelLoadFn load,
                           int default_threads, int64_t inline_max_us,
                           std::shared_ptr<VersionMetricsFactory> metrics)
    : source_(std::move(source)),
      load_(std::move(load)),
      default_threads_(default_threads),
      inline_max_us_(inline_max_us),
      metrics_(std::move(metrics)),
      reaper_([this] { ReapLoop(); }) {}

ModelManager::~ModelManager() {
  std::vector<std::shared_ptr<const ServableVersion>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [name, entry] : models_) {
      for (auto& [version, slot] : entry->versions) {
        if (slot.servable) all.push_back(std::move(slot.servable));
      }
    }
  }
  reap_wake_.notify_all();
  reaper_.join();  // the reaper stops what is retiring
  for (const auto& v : all) v->scheduler->Stop();
}

void ModelManager::ReapLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    reap_wake_.wait_for(lock, std::chrono::milliseconds(20));
    std::vector<std::shared_ptr<const ServableVersion>> done;
    for (auto it = retiring_.begin(); it != retiring_.end();) {
      if (it->use_count() == 1 || stopping_) {
        done.push_back(std::move(*it));
        it = retiring_.erase(it);
      } else {
        ++it;
      }
    }
    const bool stop = stopping_;
    lock.unlock();
    // Runs what each has queued, then joins its threads; the version is freed here.
    for (const auto& v : done) v->scheduler->Stop();
    done.clear();
    lock.lock();
    if (stop && retiring_.empty()) return;
  }
}

ModelManager::ModelEntry& ModelManager::EntryFor(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<ModelEntry>& entry = models_[name];
  if (!entry) entry = std::make_unique<ModelEntry>();
  return *entry;
}

bool ModelManager::NeedsLoad(const ModelEntry& entry, int64_t version,
                             const FileStamp& file) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entry.versions.find(version);
  if (it == entry.versions.end()) return true;
  // Ready or failed on this very file: nothing to do (a broken file is not retried until it
  // changes). Anything else, or a replaced file, loads again.
  const Slot& slot = it->second;
  const bool same_file = slot.file == file;
  return !(same_file && (slot.state == VersionState::kReady ||
                         slot.state == VersionState::kFailed));
}

absl::Status ModelManager::LoadVersion(ModelEntry& entry, const RepositoryModel& model,
                                       int64_t version, const FileStamp& file) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A ready version being replaced keeps serving until its successor is ready.
    Slot& slot = entry.versions[version];
    if (slot.state != VersionState::kReady) slot.state = VersionState::kLoading;
  }
  engine::ModelOptions options;
  options.intra_op_threads = model.config.intra_op_threads > 0
                                 ? static_cast<int>(model.config.intra_op_threads)
                                 : default_threads_;
  const auto load_start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<engine::Model>> loaded = LoadOnOwnThread(
      [&] { return load_(model.versions.at(version), options); });
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  // A model the config cannot batch fails like one that does not load.
  if (loaded.ok()) {
    if (absl::Status batchable = CheckBatchable(model.config, **loaded); !batchable.ok()) {
      loaded = batchable;
    }
  }
  std::shared_ptr<VersionMetrics> series;
  if (metrics_) {
    metrics_->RecordLoad(model.name, load_seconds, loaded.ok());
    if (loaded.ok()) {
      series = metrics_->ForVersion(model.name, version, model.config.max_batch_size);
    }
  }
  // Read before taking mu_: the registry is a database query.
  std::shared_ptr<const quality::Profile> profile =
      loaded.ok() ? ReadProfileOf(*source_, model, version, **loaded) : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  Slot& slot = entry.versions[version];
  slot.file = file;
  if (!loaded.ok()) {
    if (slot.state == VersionState::kReady) {
      // The replaced file does not load: the earlier load keeps serving.
      slot.reason = absl::StrCat("the changed file failed to load, serving the earlier one: ",
                                 loaded.status().message());
    } else {
      slot.state = VersionState::kFailed;
      slot.reason = std::string(loaded.status().message());
      slot.failure = loaded.status().code();
    }
    return WithContext(loaded.status(), model.name, version);
  }
  auto servable = std::make_shared<ServableVersion>();
  servable->model_name = model.name;
  servable->version = version;
  if (auto d = model.digests.find(version); d != model.digests.end()) servable->digest = d->second;
  servable->config = model.config;
  servable->model = *std::move(loaded);
  servable->metrics = std::move(series);
  servable->profile = std::move(profile);
  servable->scheduler = std::make_unique<Scheduler>(
      servable->model, absl::StrCat("model '", model.name, "' version ", version),
      SchedulerOptions::FromConfig(model.config, inline_max_us_));
  if (slot.servable) Retire(slot);
  slot.servable = std::move(servable);
  slot.state = VersionState::kReady;
  slot.reason.clear();
  return absl::OkStatus();
}

void ModelManager::Retire(Slot& slot) {
  if (slot.servable) retiring_.push_back(std::move(slot.servable));
  slot.servable.reset();
  reap_wake_.notify_all();
}

void ModelManager::RetireUnselected(ModelEntry& entry, const std::vector<int64_t>& selected) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool any_ready = std::any_of(selected.begin(), selected.end(), [&](int64_t v) {
    auto it = entry.versions.find(v);
    return it != entry.versions.end() && it->second.state == VersionState::kReady;
  });
  if (!any_ready) return;  // keep whatever serves until a successor is ready
  for (auto it = entry.versions.begin(); it != entry.versions.end();) {
    if (std::binary_search(selected.begin(), selected.end(), it->first)) {
      ++it;
      continue;
    }
    Retire(it->second);
    it = entry.versions.erase(it);
  }
}

absl::Status ModelManager::StandingFailure(const ModelEntry& entry, const std::string& name,
                                           const std::vector<int64_t>& selected) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (int64_t version : selected) {
    auto it = entry.versions.find(version);
    if (it != entry.versions.end() && it->second.state == VersionState::kFailed) {
      return WithContext(absl::Status(it->second.failure, it->second.reason), name, version);
    }
  }
  return absl::OkStatus();
}

absl::Status ModelManager::Load(const std::string& name) {
  RETURN_IF_ERROR(ValidateModelName(name));
  ModelEntry& entry = EntryFor(name);
  std::lock_guard<std::mutex> load_lock(entry.load_mu);
  RepositoryModel model = source_->Scan(name);
  if (absl::IsNotFound(model.status)) {
    return absl::NotFoundError(absl::StrCat("no model '", name, "' in ", source_->Description()));
  }
  RETURN_IF_ERROR(model.status);  // a bad config or no version: what serves keeps serving
  absl::Status first_error;
  for (int64_t version : model.selected) {
    const FileStamp file = FileStamp::Of(model.versions.at(version));
    if (!NeedsLoad(entry, version, file)) continue;
    absl::Status st = LoadVersion(entry, model, version, file);
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  RetireUnselected(entry, model.selected);
  if (first_error.ok()) first_error = StandingFailure(entry, name, model.selected);
  return first_error;
}

absl::Status ModelManager::Unload(const std::string& name) {
  RETURN_IF_ERROR(ValidateModelName(name));
  ModelEntry& entry = EntryFor(name);
  std::lock_guard<std::mutex> load_lock(entry.load_mu);
  std::lock_guard<std::mutex> lock(mu_);
  if (entry.versions.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' is not loaded"));
  }
  for (auto& [version, slot] : entry.versions) Retire(slot);
  entry.versions.clear();
  return absl::OkStatus();
}

absl::Status ModelManager::LoadAll() {
  ASSIGN_OR_RETURN(std::vector<RepositoryModel> models, source_->ScanAll());
  absl::Status first_error;
  std::vector<std::string> present;
  for (const RepositoryModel& model : models) {
    present.push_back(model.name);
    absl::Status st = Load(model.name);
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  std::vector<std::string> loaded;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, entry] : models_) {
      if (!entry->versions.empty()) loaded.push_back(name);
    }
  }
  for (const std::string& name : loaded) {
    if (std::find(present.begin(), present.end(), name) == present.end()) {
      (void)Unload(name);  // NotFound only if another thread unloaded it first
    }
  }
  return first_error;
}

absl::StatusOr<std::shared_ptr<const ServableVersion>> ModelManager::Get(
    const std::string& name, int64_t version) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto model = models_.find(name);
  if (model == models_.end() || model->second->versions.empty()) {
    return absl::NotFoundError(absl::StrCat("unknown model '", name, "'"));
  }
  const std::map<int64_t, Slot>& versions = model->second->versions;
  if (version == 0) {
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (it->second.state == VersionState::kReady) return it->second.servable;
    }
    return absl::UnavailableError(absl::StrCat("model '", name, "' has no ready version"));
  }
  auto it = versions.find(version);
  if (it == versions.end()) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' has no version ", version));
  }
  if (it->second.state != VersionState::kReady) {
    std::string why = it->second.reason.empty() ? "" : absl::StrCat(": ", it->second.reason);
    return absl::UnavailableError(absl::StrCat("model '", name, "' version ", version, " is ",
                                               VersionStateName(it->second.state), why));
  }
  return it->second.servable;
}

std::vector<std::shared_ptr<const ServableVersion>> ModelManager::ReadyVersions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const ServableVersion>> ready;
  for (const auto& [name, entry] : models_) {
    for (const auto& [version, slot] : entry->versions) {
      if (slot.state == VersionState::kReady && slot.servable) ready.push_back(slot.servable);
    }
  }
  return ready;
}

bool ModelManager::HasModel(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(name);
  return it != models_.end() && !it->second->versions.empty();
}

std::vector<VersionStatus> ModelManager::Index() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VersionStatus> index;
  for (const auto& [name, entry] : models_) {
    for (const auto& [version, slot] : entry->versions) {
      index.push_back({name, version, slot.state, slot.reason});
    }
  }
  for (const auto& v : retiring_) {
    // One reference (ours) and an idle scheduler: nothing runs on it, the reaper frees it.
    if (v.use_count() > 1 || !v->scheduler->idle()) {
      index.push_back({v->model_name, v->version, VersionState::kUnloading, ""});
    }
  }
  std::sort(index.begin(), index.end(), [](const VersionStatus& a, const VersionStatus& b) {
    return std::tie(a.model_name, a.version, a.state) < std::tie(b.model_name, b.version, b.state);
  });
  return index;
}

}  // namespace berth::serving
