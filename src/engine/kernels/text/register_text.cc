// The text category's registration list.
#include "common/status_macros.h"
#include "engine/kernels/categories.h"
#include "engine/kernels/text/text_kernels.h"

namespace berth::engine {

absl::Status RegisterTextKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterStringNormalizer(registry));
  RETURN_IF_ERROR(RegisterTfIdfVectorizer(registry));
  RETURN_IF_ERROR(RegisterRegexFullMatch(registry));
  RETURN_IF_ERROR(RegisterStringConcat(registry));
  RETURN_IF_ERROR(RegisterStringSplit(registry));
  return absl::OkStatus();
}

}  // namespace berth::engine
