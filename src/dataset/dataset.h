// Dataset files: named tensors whose first dimension is the row (one example per row), read
// from ONNX TensorProto .pb files (the tensor's name; the file's stem when it has none), NumPy
// .npy files (the file's stem), .npz archives (each member's name without .npy) and CSV files
// with a header row (csv.h: by default the feature columns form one float tensor and a `label`
// column its own tensor). Used by `berth profile` to build reference profiles; the reader picks
// the format by extension.
#ifndef BERTH_DATASET_DATASET_H_
#define BERTH_DATASET_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/csv.h"
#include "dataset/npz.h"

namespace berth::dataset {

struct DatasetLimits {
  uint64_t max_file_bytes = uint64_t{4} << 30;
  NpzLimits npz;
  // How a .csv file's columns become tensors (the caller sets csv.default_input_name to the
  // model's input name when it has one input), and the CSV limits.
  CsvOptions csv;
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

// Rows [begin, begin + count) of `tensor` (rank 1 or more, begin + count <= its rows) as a
// view of its memory, valid while `tensor` lives: a batch to feed a model without copying.
engine::Tensor RowsView(const engine::Tensor& tensor, int64_t begin, int64_t count);

}  // namespace berth::dataset

#endif  // BERTH_DATASET_DATASET_H_
