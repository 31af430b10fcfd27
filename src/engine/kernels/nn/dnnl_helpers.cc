#include "engine/kernels/nn/dnnl_helpers.h"

#include <algorithm>

namespace berth::engine {

absl::StatusOr<char*> GetScratch(KernelContext& ctx, size_t bytes, const std::string& op) {
  void* p = ctx.Scratch(std::max<size_t>(bytes, 64));
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(op, ": could not get ", bytes, " bytes of scratch memory"));
  }
  return static_cast<char*>(p);
}

}  // namespace berth::engine
