#include "protocol/metadata_json.h"

#include "absl/strings/str_cat.h"
#include "protocol/datatype.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::protocol {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Field(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  Str(w, value);
}

absl::Status WriteTensors(Writer& w, const char* key,
                          const std::vector<engine::ValueInfo>& tensors) {
  w.Key(key);
  w.StartArray();
  for (const engine::ValueInfo& t : tensors) {
    absl::StatusOr<std::string> datatype = TensorDatatype(t);
    if (!datatype.ok()) return datatype.status();
    w.StartObject();
    Field(w, "name", t.name);
    Field(w, "datatype", *datatype);
    w.Key("shape");
    w.StartArray();
    for (int64_t d : MetadataShape(t)) w.Int64(d);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> TensorDatatype(const engine::ValueInfo& tensor) {
  return DatatypeNameFor(tensor.dtype, absl::StrCat("tensor '", tensor.name, "'"));
}

std::vector<int64_t> MetadataShape(const engine::ValueInfo& tensor) {
  if (!tensor.has_shape) return {-1};
  std::vector<int64_t> shape;
  for (const engine::Dim& d : tensor.dims) shape.push_back(d.is_fixed() ? d.value : -1);
  return shape;
}

std::string ServerMetadataJson(const std::string& name, const std::string& version,
                               const std::vector<std::string>& extensions) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Field(w, "name", name);
  Field(w, "version", version);
  w.Key("extensions");
  w.StartArray();
  for (const std::string& e : extensions) Str(w, e);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<std::string> ModelMetadataJson(const ModelMetadata& metadata) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Field(w, "name", metadata.name);
  w.Key("versions");
  w.StartArray();
  for (int64_t v : metadata.versions) Str(w, std::to_string(v));
  w.EndArray();
  Field(w, "platform", metadata.platform);
  absl::Status st = WriteTensors(w, "inputs", metadata.inputs);
  if (st.ok()) st = WriteTensors(w, "outputs", metadata.outputs);
  if (!st.ok()) return st;
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RepositoryIndexJson(const std::vector<IndexEntry>& entries) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const IndexEntry& e : entries) {
    w.StartObject();
    Field(w, "name", e.name);
    Field(w, "version", e.version > 0 ? std::to_string(e.version) : "");
    Field(w, "state", e.state);
    if (!e.reason.empty()) Field(w, "reason", e.reason);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace berth::protocol
