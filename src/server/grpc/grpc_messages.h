// The gRPC responses of the non-infer calls, filled from the service's answers.
#ifndef BERTH_SERVER_GRPC_GRPC_MESSAGES_H_
#define BERTH_SERVER_GRPC_GRPC_MESSAGES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpc_service.pb.h"
#include "protocol/metadata_json.h"
#include "protocol/statistics_json.h"
#include "serving/inference_service.h"

namespace berth::server {

void FillServerMetadata(const serving::InferenceService& service,
                        inference::ServerMetadataResponse* out);

// InvalidArgument naming the tensor whose type the protocol cannot carry.
absl::Status FillModelMetadata(const protocol::ModelMetadata& metadata,
                               inference::ModelMetadataResponse* out);

// From the service's JSON model configuration (the protobuf JSON form of ModelConfig).
absl::Status FillModelConfig(const std::string& json, inference::ModelConfigResponse* out);

void FillStatistics(const std::vector<protocol::VersionStatistics>& stats,
                    inference::ModelStatisticsResponse* out);

void FillIndex(const std::vector<protocol::IndexEntry>& index,
               inference::RepositoryIndexResponse* out);

// Load/unload parameters berth does not implement (a config override, model files) are
// refused by name rather than ignored; unload's "unload_dependents" is accepted.
absl::Status CheckLoadParameters(
    const google::protobuf::Map<std::string, inference::ModelRepositoryParameter>& parameters,
    bool unload);

}  // namespace berth::server

#endif  // BERTH_SERVER_GRPC_GRPC_MESSAGES_H_
