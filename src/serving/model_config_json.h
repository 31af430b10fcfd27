// A served version's configuration as Triton's JSON model configuration (the protobuf JSON
// form of its ModelConfig, field names as in the .proto), so that `get_model_config` of
// Triton's clients works: name, platform, backend, max_batch_size, version_policy, input,
// output (dims without the batch dimension when max_batch_size > 0, -1 for a free one),
// instance_group and, when on, dynamic_batching.
#ifndef BERTH_SERVING_MODEL_CONFIG_JSON_H_
#define BERTH_SERVING_MODEL_CONFIG_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "serving/model_manager.h"

namespace berth::serving {

// Fails with InvalidArgument naming the tensor whose type the protocol cannot carry.
absl::StatusOr<std::string> ModelConfigJson(const ServableVersion& version);

}  // namespace berth::serving

#endif  // BERTH_SERVING_MODEL_CONFIG_JSON_H_
