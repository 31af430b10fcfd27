#include "server/grpc/grpc_messages.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace berth::server {
namespace {

void FillDuration(int64_t count, int64_t ns, inference::StatisticDuration* out) {
  out->set_count(static_cast<uint64_t>(count));
  out->set_ns(static_cast<uint64_t>(ns));
}

absl::Status FillTensors(
    const std::vector<engine::ValueInfo>& tensors,
    google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>* out) {
  for (const engine::ValueInfo& t : tensors) {
    absl::StatusOr<std::string> datatype = protocol::TensorDatatype(t);
    if (!datatype.ok()) return datatype.status();
    auto* m = out->Add();
    m->set_name(t.name);
    m->set_datatype(*datatype);
    for (int64_t d : protocol::MetadataShape(t)) m->add_shape(d);
  }
  return absl::OkStatus();
}

}  // namespace

void FillServerMetadata(const serving::InferenceService& service,
                        inference::ServerMetadataResponse* out) {
  out->set_name(service.ServerName());
  out->set_version(service.ServerVersion());
  for (const std::string& e : serving::InferenceService::Extensions()) out->add_extensions(e);
}

absl::Status FillModelMetadata(const protocol::ModelMetadata& metadata,
                               inference::ModelMetadataResponse* out) {
  out->set_name(metadata.name);
  out->set_platform(metadata.platform);
  for (int64_t v : metadata.versions) out->add_versions(std::to_string(v));
  absl::Status st = FillTensors(metadata.inputs, out->mutable_inputs());
  if (st.ok()) st = FillTensors(metadata.outputs, out->mutable_outputs());
  return st;
}

absl::Status FillModelConfig(const std::string& json, inference::ModelConfigResponse* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(json, out->mutable_config(), options);
  if (!st.ok()) {
    return absl::InternalError(
        absl::StrCat("the model configuration does not convert: ", st.ToString()));
  }
  return absl::OkStatus();
}

void FillStatistics(const std::vector<protocol::VersionStatistics>& stats,
                    inference::ModelStatisticsResponse* out) {
  for (const protocol::VersionStatistics& s : stats) {
    auto* m = out->add_model_stats();
    m->set_name(s.model_name);
    m->set_version(std::to_string(s.version));
    m->set_last_inference(static_cast<uint64_t>(s.last_inference_ms));
    m->set_inference_count(static_cast<uint64_t>(s.inference_count));
    m->set_execution_count(static_cast<uint64_t>(s.execution_count));
    auto* i = m->mutable_inference_stats();
    FillDuration(s.success_count, s.success_ns, i->mutable_success());
    FillDuration(s.fail_count, s.fail_ns, i->mutable_fail());
    FillDuration(s.success_count, s.queue_ns, i->mutable_queue());
    FillDuration(s.success_count, 0, i->mutable_compute_input());
    FillDuration(s.success_count, s.compute_ns, i->mutable_compute_infer());
    FillDuration(s.success_count, 0, i->mutable_compute_output());
  }
}

void FillIndex(const std::vector<protocol::IndexEntry>& index,
               inference::RepositoryIndexResponse* out) {
  for (const protocol::IndexEntry& e : index) {
    auto* m = out->add_models();
    m->set_name(e.name);
    m->set_version(e.version > 0 ? std::to_string(e.version) : "");
    m->set_state(e.state);
    m->set_reason(e.reason);
  }
}

absl::Status CheckLoadParameters(
    const google::protobuf::Map<std::string, inference::ModelRepositoryParameter>& parameters,
    bool unload) {
  for (const auto& [key, value] : parameters) {
    if (unload && key == "unload_dependents") continue;
    return absl::InvalidArgumentError(
        absl::StrCat("the load/unload parameter '", key, "' is not supported by berth"));
  }
  return absl::OkStatus();
}

}  // namespace berth::server
