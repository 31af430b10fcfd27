// Dataset files: named tensors whose first dimension is the row (one example per row), read
// from ONNX TensorProto .pb files (the tensor's name; the file's stem when it has none), NumPy
// .npy files (the file's stem) and .npz archives (each member's name without .npy). Used by
// `berth profile` to build reference profiles; the reader picks the format by extension.
#ifndef BERTH_DATASET_DATASET_H_
#define BERTH_DATASET_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/npz.h"

namespace berth::dataset {

struct DatasetLimits {
  uint64_t max_file_bytes = uint64_t{4} << 30;
  NpzLimits npz;
};

// The tensors of one file. InvalidArgument for an unknown extension (naming the ones
// accepted) or a bad file; NotFound for a missing one.
absl::StatusOr<std::vector<NamedTensor>> ReadDatasetFile(const std::string& path,
                                                         const DatasetLimits& limits = {});

// The tensors of every file, checked to form one dataset: names unique, every tensor of
// rank 1 or more, every tensor with the same number of rows (first dimension).
// InvalidArgument naming the tensor (and its file) otherwise.
absl::StatusOr<std::vector<NamedTensor>> ReadDataset(const std::vector<std::string>& paths,
                                                     const DatasetLimits& limits = {});

// The number of rows of a dataset ReadDataset accepted (0 for an empty one).
int64_t DatasetRows(const std::vector<NamedTensor>& tensors);

}  // namespace berth::dataset

#endif  // BERTH_DATASET_DATASET_H_
