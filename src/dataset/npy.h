// NumPy's .npy format (format versions 1.0, 2.0 and 3.0): one array, a header that is a
// Python dict literal ({'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }), then the
// elements in C order.
//
// Accepted element types: float16/32/64, int8/16/32/64, uint8/16/32/64 and bool, little-endian
// ('<') or without byte order ('|'). Refused, each by name: big-endian data, Fortran order,
// other dtypes (objects, strings, complex, structured), a header longer than the limit, a
// shape whose element count overflows or exceeds the limit, and data whose size differs from
// what the header says (a truncated or padded file).
#ifndef BERTH_DATASET_NPY_H_
#define BERTH_DATASET_NPY_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"

namespace berth::dataset {

struct NpyLimits {
  uint64_t max_header_bytes = 64 << 10;
  int max_rank = 8;
  uint64_t max_data_bytes = uint64_t{4} << 30;
};

// Parses a whole .npy file held in `bytes`. InvalidArgument naming what is wrong.
absl::StatusOr<engine::Tensor> ParseNpy(std::string_view bytes, const NpyLimits& limits = {});

// The .npy bytes of `tensor` (format 1.0, little-endian, C order); for tests and tools that
// write datasets. InvalidArgument for a string tensor.
absl::StatusOr<std::string> EncodeNpy(const engine::Tensor& tensor);

}  // namespace berth::dataset

#endif  // BERTH_DATASET_NPY_H_
