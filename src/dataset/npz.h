// NumPy's .npz format: a zip archive of .npy members (numpy.savez, stored; numpy.savez_compressed,
// deflated), read through libzip. Each member `NAME.npy` becomes the tensor `NAME`.
#ifndef BERTH_DATASET_NPZ_H_
#define BERTH_DATASET_NPZ_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/npy.h"
#include "engine/core/tensor.h"

namespace berth::dataset {

struct NamedTensor {
  std::string name;
  engine::Tensor tensor;
};

struct NpzLimits {
  NpyLimits npy;
  int max_members = 1024;
  // Bound on the sum of the members' uncompressed sizes (a zip bomb stops here).
  uint64_t max_total_bytes = uint64_t{4} << 30;
};

// Parses a whole .npz archive held in `bytes`, members in archive order. InvalidArgument
// naming the member and what is wrong: not a zip, no members, a member not named *.npy, a duplicate
// name, a member larger than it claims or than the limits, an encrypted member, a bad .npy.
absl::StatusOr<std::vector<NamedTensor>> ParseNpz(std::string_view bytes,
                                                  const NpzLimits& limits = {});

// A .npz archive (members stored, not compressed) of `tensors`; for tests and tools.
// InvalidArgument when `tensors` is empty.
absl::StatusOr<std::string> EncodeNpz(const std::vector<NamedTensor>& tensors);

}  // namespace berth::dataset

#endif  // BERTH_DATASET_NPZ_H_
