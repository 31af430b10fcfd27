// Constant weights kept in the memory formats oneDNN primitives ask for, so that inference
// runs never reorder them. Shared by the convolution kernels.
#ifndef BERTH_ENGINE_KERNELS_NN_PACKED_WEIGHTS_H_
#define BERTH_ENGINE_KERNELS_NN_PACKED_WEIGHTS_H_

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "dnnl.hpp"
#include "engine/core/tensor.h"

namespace berth::engine {

// One copy of the weights in one format; storage is owned and 64-byte aligned.
struct PackedWeights {
  dnnl::memory::desc desc;
  Tensor storage;  // uint8 bytes
};

// Thread-safe. Empty until Init; the kernel then owns its copies and needs no other reference
// to the constant tensor it was loaded from.
class PackedWeightsCache {
 public:
  // Copies `data` (laid out as `plain`) into format `first`. Fails with Internal if oneDNN
  // cannot reorder between them, or ResourceExhausted if the copy cannot be allocated.
  absl::Status Init(const dnnl::memory::desc& plain, const void* data,
                    const dnnl::memory::desc& first);
  bool empty() const;
  // The weights in format `md`, reordered from an existing copy on first request. Copies no
  // caller has asked for (the load-time one, packed for a guessed input shape) are dropped
  // when another format is made, so a guess that missed does not keep the weights twice.
  // Throws dnnl::error or std::bad_alloc; call it under RunCatching.
  std::shared_ptr<const PackedWeights> Get(const dnnl::memory::desc& md,
                                           dnnl::stream& stream) const;

 private:
  struct Copy {
    std::shared_ptr<const PackedWeights> weights;
    bool requested = false;  // handed out by Get
  };
  mutable std::mutex mu_;
  mutable std::vector<Copy> copies_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_PACKED_WEIGHTS_H_
