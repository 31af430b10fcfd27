#include "registry/signature_json.h"

#include "engine/core/data_type.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::registry {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteTensors(Writer& w, const char* key, const std::vector<engine::ValueInfo>& tensors) {
  w.Key(key);
  w.StartArray();
  for (const engine::ValueInfo& t : tensors) {
    w.StartObject();
    w.Key("name");
    Str(w, t.name);
    w.Key("type");
    Str(w, engine::DataTypeName(t.dtype));
    w.Key("shape");
    if (!t.has_shape) {
      w.Null();
    } else {
      w.StartArray();
      for (const engine::Dim& d : t.dims) {
        if (d.is_fixed()) {
          w.Int64(d.value);
        } else if (!d.symbol.empty()) {
          Str(w, d.symbol);
        } else {
          w.Null();
        }
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string SignatureJson(const std::vector<engine::ValueInfo>& inputs,
                          const std::vector<engine::ValueInfo>& outputs) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteTensors(w, "inputs", inputs);
  WriteTensors(w, "outputs", outputs);
  w.EndObject();
  return buffer.GetString();
}

}  // namespace berth::registry
