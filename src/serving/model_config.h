// How one model is served: the optional DIR/<model>/config.yaml of a model repository.
//
//   max_batch_size: 8          # largest batch the server forms; 0 (default) = no batching
//   dynamic_batching:          # present = on (needs max_batch_size > 0)
//     max_queue_delay_us: 500  # longest a request waits for others (default 0, at most 10 s)
//     preferred_batch_sizes: [4, 8]   # each in 1..max_batch_size (default: none)
//     max_queue_size: 256      # requests waiting per version before 503 (default 1024)
//   instance_count: 1          # concurrent runs per version (default 1, at most 64)
//   intra_op_threads: 2        # threads inside one run; 0 (default) = the server's choice
//   version_policy:            # which versions serve; exactly one of:
//     latest: 1                #   the N highest (default: latest 1)
//     # specific: [1, 3]       #   these versions
//     # all: true              #   every version in the folder
//
// Unknown keys, wrong types and out-of-range values are refused with a message naming the
// key, so that a typo never silently falls back to a default.
#ifndef BERTH_SERVING_MODEL_CONFIG_H_
#define BERTH_SERVING_MODEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::serving {

struct DynamicBatching {
  int64_t max_queue_delay_us = 0;
  std::vector<int64_t> preferred_batch_sizes;  // ascending, no duplicates
};

struct VersionPolicy {
  enum class Kind { kLatest, kSpecific, kAll };
  Kind kind = Kind::kLatest;
  int64_t latest = 1;              // with kLatest
  std::vector<int64_t> specific;   // with kSpecific: ascending, no duplicates

  // The versions of `available` (ascending) this policy serves, ascending.
  std::vector<int64_t> Select(const std::vector<int64_t>& available) const;
};

struct ModelConfig {
  int64_t max_batch_size = 0;
  bool dynamic_batching_enabled = false;
  DynamicBatching dynamic_batching;
  int64_t max_queue_size = 1024;
  int64_t instance_count = 1;
  int64_t intra_op_threads = 0;
  VersionPolicy version_policy;
};

// Parses the YAML text of a config.yaml. `source` names it in messages (e.g. the path).
// Fails with InvalidArgument naming the source, the key and, for YAML syntax errors, the line.
// An empty document is the default config.
absl::StatusOr<ModelConfig> ParseModelConfig(const std::string& yaml, const std::string& source);

}  // namespace berth::serving

#endif  // BERTH_SERVING_MODEL_CONFIG_H_
