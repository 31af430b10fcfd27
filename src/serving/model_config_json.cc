#include "serving/model_config_json.h"

#include "absl/strings/str_cat.h"
#include "protocol/metadata_json.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::serving {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// Triton's config names the protocol's types TYPE_<name>, and BYTES TYPE_STRING.
absl::StatusOr<std::string> ConfigType(const engine::TensorSignature& t) {
  absl::StatusOr<std::string> name = protocol::TensorDatatype(t);
  if (!name.ok()) return name.status();
  return *name == "BYTES" ? std::string("TYPE_STRING") : absl::StrCat("TYPE_", *name);
}

absl::Status Tensors(Writer& w, const char* key,
                     const std::vector<engine::TensorSignature>& tensors, bool batched) {
  w.Key(key);
  w.StartArray();
  for (const engine::TensorSignature& t : tensors) {
    absl::StatusOr<std::string> type = ConfigType(t);
    if (!type.ok()) return type.status();
    w.StartObject();
    Str(w, "name", t.name);
    Str(w, "data_type", *type);
    // With batching the first dim is the batch, which Triton's config leaves out.
    std::vector<int64_t> dims = protocol::MetadataShape(t);
    if (batched && t.has_shape && !dims.empty()) dims.erase(dims.begin());
    w.Key("dims");
    w.StartArray();
    for (int64_t d : dims) w.Int64(d);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return absl::OkStatus();
}

void Policy(Writer& w, const VersionPolicy& p) {
  w.Key("version_policy");
  w.StartObject();
  switch (p.kind) {
    case VersionPolicy::Kind::kLatest:
      w.Key("latest");
      w.StartObject();
      w.Key("num_versions");
      w.Int64(p.latest);
      w.EndObject();
      break;
    case VersionPolicy::Kind::kSpecific:
      w.Key("specific");
      w.StartObject();
      w.Key("versions");
      w.StartArray();
      for (int64_t v : p.specific) w.Int64(v);
      w.EndArray();
      w.EndObject();
      break;
    case VersionPolicy::Kind::kAll:
      w.Key("all");
      w.StartObject();
      w.EndObject();
      break;
  }
  w.EndObject();
}

void Scheduling(Writer& w, const ModelConfig& c) {
  w.Key("instance_group");
  w.StartArray();
  w.StartObject();
  w.Key("count");
  w.Int64(c.instance_count);
  Str(w, "kind", "KIND_CPU");
  w.EndObject();
  w.EndArray();
  if (!c.dynamic_batching_enabled) return;
  w.Key("dynamic_batching");
  w.StartObject();
  w.Key("preferred_batch_size");
  w.StartArray();
  for (int64_t size : c.dynamic_batching.preferred_batch_sizes) w.Int64(size);
  w.EndArray();
  w.Key("max_queue_delay_microseconds");
  w.Int64(c.dynamic_batching.max_queue_delay_us);
  w.Key("default_queue_policy");
  w.StartObject();
  w.Key("max_queue_size");
  w.Int64(c.max_queue_size);
  w.EndObject();
  w.EndObject();
}

}  // namespace

absl::StatusOr<std::string> ModelConfigJson(const ServableVersion& version) {
  const ModelConfig& c = version.config;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "name", version.model_name);
  Str(w, "platform", "berth_onnx");
  Str(w, "backend", "berth");
  w.Key("max_batch_size");
  w.Int64(c.max_batch_size);
  Policy(w, c.version_policy);
  const bool batched = c.max_batch_size > 0;
  absl::Status st = Tensors(w, "input", version.model->inputs(), batched);
  if (st.ok()) st = Tensors(w, "output", version.model->outputs(), batched);
  if (!st.ok()) return st;
  Scheduling(w, c);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace berth::serving
