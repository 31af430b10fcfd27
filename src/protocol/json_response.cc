// The response half of json_codec.h: the JSON writer and the binary outputs.
#include <charconv>
#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "protocol/datatype.h"
#include "protocol/json_codec.h"
#include "protocol/raw_tensor.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::protocol {

using engine::DataType;
using engine::Tensor;

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                 rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

// The shortest text that reads back as exactly `v` in its own precision (std::to_chars), so a
// float is written as a float ("0.1", not the double nearest to it) and a double exactly;
// NaN and the infinities as the writer spells them.
template <typename F>
void WriteFloat(F v, Writer& w) {
  if (!std::isfinite(v)) {
    w.Double(static_cast<double>(v));
    return;
  }
  char text[64];
  const std::to_chars_result r = std::to_chars(text, text + sizeof(text), v);
  w.RawValue(text, static_cast<size_t>(r.ptr - text), rapidjson::kNumberType);
}

template <typename T>
void WriteNumbers(const Tensor& t, Writer& w) {
  const T* in = t.data<T>();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      w.Bool(in[i]);
    } else if constexpr (std::is_same_v<T, engine::Float16> ||
                         std::is_same_v<T, engine::BFloat16>) {
      WriteFloat(static_cast<float>(in[i]), w);
    } else if constexpr (std::is_floating_point_v<T>) {
      WriteFloat(in[i], w);
    } else if constexpr (std::is_signed_v<T>) {
      w.Int64(in[i]);
    } else {
      w.Uint64(in[i]);
    }
  }
}

void WriteData(const Tensor& t, Writer& w) {
  w.StartArray();
  switch (t.dtype()) {
    case DataType::kBool: WriteNumbers<bool>(t, w); break;
    case DataType::kUint8: WriteNumbers<uint8_t>(t, w); break;
    case DataType::kUint16: WriteNumbers<uint16_t>(t, w); break;
    case DataType::kUint32: WriteNumbers<uint32_t>(t, w); break;
    case DataType::kUint64: WriteNumbers<uint64_t>(t, w); break;
    case DataType::kInt8: WriteNumbers<int8_t>(t, w); break;
    case DataType::kInt16: WriteNumbers<int16_t>(t, w); break;
    case DataType::kInt32: WriteNumbers<int32_t>(t, w); break;
    case DataType::kInt64: WriteNumbers<int64_t>(t, w); break;
    case DataType::kFloat16: WriteNumbers<engine::Float16>(t, w); break;
    case DataType::kBFloat16: WriteNumbers<engine::BFloat16>(t, w); break;
    case DataType::kFloat: WriteNumbers<float>(t, w); break;
    case DataType::kDouble: WriteNumbers<double>(t, w); break;
    case DataType::kString:
      for (const std::string& s : t.strings()) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      }
      break;
    default: break;  // refused by DatatypeName before
  }
  w.EndArray();
}

void WriteString(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

absl::StatusOr<std::string> EncodeInferResponseJson(const InferResponse& response,
                                                    std::string* binary) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteString(w, "model_name", response.model_name);
  WriteString(w, "model_version", response.model_version);
  if (!response.id.empty()) WriteString(w, "id", response.id);
  if (!response.model_digest.empty()) {
    w.Key("parameters");
    w.StartObject();
    WriteString(w, kModelDigestParameter, response.model_digest);
    w.EndObject();
  }
  w.Key("outputs");
  w.StartArray();
  for (const InferOutput& out : response.outputs) {
    absl::StatusOr<std::string> datatype =
        DatatypeNameFor(out.tensor.dtype(), absl::StrCat("output '", out.name, "'"));
    if (!datatype.ok()) return datatype.status();
    w.StartObject();
    WriteString(w, "name", out.name);
    WriteString(w, "datatype", *datatype);
    w.Key("shape");
    w.StartArray();
    for (int64_t d : out.tensor.shape()) w.Int64(d);
    w.EndArray();
    if (out.binary) {
      w.Key("parameters");
      w.StartObject();
      w.Key("binary_data_size");
      w.Uint64(AppendRawBytes(out.tensor, binary));
      w.EndObject();
    } else {
      w.Key("data");
      WriteData(out.tensor, w);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace berth::protocol
