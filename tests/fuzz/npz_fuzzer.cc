// libFuzzer target: arbitrary bytes through the .npz reader (dataset/npz.h, libzip), as `berth
// profile --data` and `berth validate --data` get them from a file. Any input must give
// tensors or an error, never a crash, a leak or undefined behaviour; tensors that parse are
// encoded again (EncodeNpz) and must read back with the same names and shapes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "dataset/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  berth::dataset::NpzLimits limits;
  limits.npy.max_data_bytes = 1 << 20;
  limits.max_members = 64;
  limits.max_total_bytes = 4 << 20;
  absl::StatusOr<std::vector<berth::dataset::NamedTensor>> tensors =
      berth::dataset::ParseNpz(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!tensors.ok()) return 0;
  absl::StatusOr<std::string> again = berth::dataset::EncodeNpz(*tensors);
  if (!again.ok()) std::abort();
  absl::StatusOr<std::vector<berth::dataset::NamedTensor>> back =
      berth::dataset::ParseNpz(*again, limits);
  if (!back.ok() || back->size() != tensors->size()) std::abort();
  for (size_t i = 0; i < back->size(); ++i) {
    if ((*back)[i].name != (*tensors)[i].name ||
        (*back)[i].tensor.shape() != (*tensors)[i].tensor.shape()) {
      std::abort();
    }
  }
  return 0;
}
