#include "protocol/statistics_json.h"

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::protocol {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Duration(Writer& w, const char* key, int64_t count, int64_t ns) {
  w.Key(key);
  w.StartObject();
  w.Key("count");
  w.Int64(count);
  w.Key("ns");
  w.Int64(ns);
  w.EndObject();
}

void Version(Writer& w, const VersionStatistics& s) {
  w.StartObject();
  w.Key("name");
  w.String(s.model_name.c_str(), static_cast<rapidjson::SizeType>(s.model_name.size()));
  const std::string version = std::to_string(s.version);
  w.Key("version");
  w.String(version.c_str(), static_cast<rapidjson::SizeType>(version.size()));
  w.Key("last_inference");
  w.Int64(s.last_inference_ms);
  w.Key("inference_count");
  w.Int64(s.inference_count);
  w.Key("execution_count");
  w.Int64(s.execution_count);
  w.Key("inference_stats");
  w.StartObject();
  Duration(w, "success", s.success_count, s.success_ns);
  Duration(w, "fail", s.fail_count, s.fail_ns);
  Duration(w, "queue", s.success_count, s.queue_ns);
  Duration(w, "compute_input", s.success_count, 0);
  Duration(w, "compute_infer", s.success_count, s.compute_ns);
  Duration(w, "compute_output", s.success_count, 0);
  w.EndObject();
  w.Key("batch_stats");
  w.StartArray();
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string StatisticsJson(const std::vector<VersionStatistics>& stats) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("model_stats");
  w.StartArray();
  for (const VersionStatistics& s : stats) Version(w, s);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace berth::protocol
