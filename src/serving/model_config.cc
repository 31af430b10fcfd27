#include "serving/model_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace berth::serving {
namespace {

constexpr int64_t kMaxBatchSize = int64_t{1} << 20;
constexpr int64_t kMaxQueueDelayUs = 10'000'000;
constexpr int64_t kMaxQueueSize = int64_t{1} << 20;
constexpr int64_t kMaxInstances = 64;
constexpr int64_t kMaxThreads = 1024;
constexpr int64_t kMaxVersion = INT64_MAX;

// Reads typed values out of a parsed document; every error names the source and the key.
class ConfigReader {
 public:
  explicit ConfigReader(const std::string& source) : source_(source) {}

  absl::Status Error(const std::string& key, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", key, ": ", what));
  }

  // A map whose keys are all in `allowed`.
  absl::Status CheckMap(const YAML::Node& node, const std::string& key,
                        const std::set<std::string>& allowed) const {
    if (!node.IsMap()) return Error(key, "must be a mapping of keys to values");
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      const std::string path = key.empty() ? name : absl::StrCat(key, ".", name);
      if (!allowed.count(name)) {
        return Error(path,
                     absl::StrCat("unknown key (known: ", absl::StrJoin(allowed, ", "), ")"));
      }
      if (!seen.insert(name).second) return Error(path, "given twice");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Int(const YAML::Node& node, const std::string& key, int64_t lo,
                              int64_t hi) const {
    int64_t v = 0;
    if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &v)) {
      return Error(key, "must be an integer");
    }
    if (v < lo || v > hi) {
      return Error(key, absl::StrCat("must be between ", lo, " and ", hi, ", got ", v));
    }
    return v;
  }

  // A list of integers in [lo, hi], returned ascending; duplicates are refused.
  absl::StatusOr<std::vector<int64_t>> IntList(const YAML::Node& node, const std::string& key,
                                               int64_t lo, int64_t hi) const {
    if (!node.IsSequence()) return Error(key, "must be a list of integers");
    std::vector<int64_t> values;
    for (size_t i = 0; i < node.size(); ++i) {
      ASSIGN_OR_RETURN(int64_t v, Int(node[i], absl::StrCat(key, "[", i, "]"), lo, hi));
      values.push_back(v);
    }
    std::sort(values.begin(), values.end());
    if (std::adjacent_find(values.begin(), values.end()) != values.end()) {
      return Error(key, "lists a value twice");
    }
    return values;
  }

  absl::StatusOr<bool> Bool(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar() && node.Scalar() == "true") return true;
    if (node.IsScalar() && node.Scalar() == "false") return false;
    return Error(key, "must be true or false");
  }

 private:
  std::string source_;
};

absl::Status ReadBatching(const ConfigReader& r, const YAML::Node& node, ModelConfig& config) {
  const std::string key = "dynamic_batching";
  if (node.IsNull()) {
    config.dynamic_batching_enabled = true;  // "dynamic_batching:" alone turns it on
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(
      r.CheckMap(node, key, {"max_queue_delay_us", "preferred_batch_sizes", "max_queue_size"}));
  config.dynamic_batching_enabled = true;
  DynamicBatching& b = config.dynamic_batching;
  if (node["max_queue_delay_us"]) {
    ASSIGN_OR_RETURN(b.max_queue_delay_us, r.Int(node["max_queue_delay_us"],
                                                 key + ".max_queue_delay_us", 0,
                                                 kMaxQueueDelayUs));
  }
  if (node["preferred_batch_sizes"]) {
    ASSIGN_OR_RETURN(b.preferred_batch_sizes,
                     r.IntList(node["preferred_batch_sizes"], key + ".preferred_batch_sizes", 1,
                               kMaxBatchSize));
  }
  if (node["max_queue_size"]) {
    ASSIGN_OR_RETURN(config.max_queue_size,
                     r.Int(node["max_queue_size"], key + ".max_queue_size", 1, kMaxQueueSize));
  }
  return absl::OkStatus();
}

absl::Status ReadVersionPolicy(const ConfigReader& r, const YAML::Node& node,
                               VersionPolicy& policy) {
  const std::string key = "version_policy";
  RETURN_IF_ERROR(r.CheckMap(node, key, {"latest", "specific", "all"}));
  if (node.size() != 1) return r.Error(key, "must give exactly one of latest, specific, all");
  if (node["latest"]) {
    policy.kind = VersionPolicy::Kind::kLatest;
    ASSIGN_OR_RETURN(policy.latest, r.Int(node["latest"], key + ".latest", 1, kMaxVersion));
  } else if (node["specific"]) {
    policy.kind = VersionPolicy::Kind::kSpecific;
    ASSIGN_OR_RETURN(policy.specific,
                     r.IntList(node["specific"], key + ".specific", 1, kMaxVersion));
    if (policy.specific.empty()) return r.Error(key + ".specific", "lists no version");
  } else {
    ASSIGN_OR_RETURN(bool all, r.Bool(node["all"], key + ".all"));
    if (!all) return r.Error(key + ".all", "can only be true (omit it for the default)");
    policy.kind = VersionPolicy::Kind::kAll;
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelConfig> ReadConfig(const ConfigReader& r, const YAML::Node& root) {
  ModelConfig config;
  if (root.IsNull()) return config;
  RETURN_IF_ERROR(r.CheckMap(root, "", {"max_batch_size", "dynamic_batching", "instance_count",
                                        "intra_op_threads", "version_policy"}));
  if (root["max_batch_size"]) {
    ASSIGN_OR_RETURN(config.max_batch_size,
                     r.Int(root["max_batch_size"], "max_batch_size", 0, kMaxBatchSize));
  }
  if (root["dynamic_batching"]) RETURN_IF_ERROR(ReadBatching(r, root["dynamic_batching"], config));
  if (root["instance_count"]) {
    ASSIGN_OR_RETURN(config.instance_count,
                     r.Int(root["instance_count"], "instance_count", 1, kMaxInstances));
  }
  if (root["intra_op_threads"]) {
    ASSIGN_OR_RETURN(config.intra_op_threads,
                     r.Int(root["intra_op_threads"], "intra_op_threads", 0, kMaxThreads));
  }
  if (root["version_policy"]) {
    RETURN_IF_ERROR(ReadVersionPolicy(r, root["version_policy"], config.version_policy));
  }
  if (config.dynamic_batching_enabled && config.max_batch_size == 0) {
    return r.Error("dynamic_batching", "needs max_batch_size of at least 1");
  }
  for (int64_t size : config.dynamic_batching.preferred_batch_sizes) {
    if (size > config.max_batch_size) {
      return r.Error("dynamic_batching.preferred_batch_sizes",
                     absl::StrCat(size, " is above max_batch_size ", config.max_batch_size));
    }
  }
  return config;
}

}  // namespace

std::vector<int64_t> VersionPolicy::Select(const std::vector<int64_t>& available) const {
  switch (kind) {
    case Kind::kAll:
      return available;
    case Kind::kLatest: {
      const size_t n = std::min<size_t>(available.size(), static_cast<size_t>(latest));
      return std::vector<int64_t>(available.end() - static_cast<std::ptrdiff_t>(n),
                                  available.end());
    }
    case Kind::kSpecific: {
      std::vector<int64_t> chosen;
      for (int64_t v : available) {
        if (std::binary_search(specific.begin(), specific.end(), v)) chosen.push_back(v);
      }
      return chosen;
    }
  }
  return {};
}

absl::StatusOr<ModelConfig> ParseModelConfig(const std::string& yaml, const std::string& source) {
  ConfigReader reader(source);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid YAML at line ",
                                                   e.mark.line + 1, ", column ",
                                                   e.mark.column + 1, ": ", e.msg));
  }
  try {
    return ReadConfig(reader, root);
  } catch (const YAML::Exception& e) {  // yaml-cpp throws on some malformed node accesses
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.msg));
  }
}

}  // namespace berth::serving
