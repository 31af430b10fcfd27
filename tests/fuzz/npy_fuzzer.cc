// libFuzzer target: arbitrary bytes through the .npy reader (dataset/npy.h), as `berth
// profile --data` gets them from a file. Any input must give a tensor or an error, never a
// crash, a leak or undefined behaviour; a tensor that parses is encoded again and must read
// back to the same shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataset/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  berth::dataset::NpyLimits limits;
  limits.max_data_bytes = 1 << 20;
  absl::StatusOr<berth::engine::Tensor> tensor =
      berth::dataset::ParseNpy(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!tensor.ok()) return 0;
  absl::StatusOr<std::string> again = berth::dataset::EncodeNpy(*tensor);
  if (!again.ok()) std::abort();
  absl::StatusOr<berth::engine::Tensor> back = berth::dataset::ParseNpy(*again, limits);
  if (!back.ok() || back->shape() != tensor->shape()) std::abort();
  return 0;
}
