// The labelled dataset of a validation and running a model over its rows.
#ifndef BERTH_VALIDATION_DATA_RUN_H_
#define BERTH_VALIDATION_DATA_RUN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/dataset.h"
#include "engine/runtime/model.h"
#include "validation/metrics.h"

namespace berth::validation {

struct DataSpec {
  std::vector<std::string> files;      // dataset files (dataset/dataset.h)
  std::string labels_file;             // optional: a file holding the labels tensor
  std::string label_column = "label";  // CSV: the label column
  bool float_labels = false;           // CSV: labels are regression targets, not class indices
  int64_t max_rows = 10000;            // rows used, at most
};

struct Dataset {
  std::vector<dataset::NamedTensor> tensors;  // everything read, labels excluded
  std::optional<std::vector<double>> labels;  // one per row
  bool float_labels = false;                  // labels came as a floating-point tensor
  int64_t rows = 0;                           // rows used (at most DataSpec::max_rows)
  int64_t rows_in_files = 0;
};

// Reads the dataset for a model with inputs `inputs`: the labels are the only tensor of
// `labels_file` (or its tensor named `label` or `labels`), else the data's tensor named
// `label` or `labels` that is not a model input. InvalidArgument naming the file or tensor
// when it cannot be read, the labels are not numbers of rank 1 (or [N, 1]), or their rows
// differ from the data's.
absl::StatusOr<Dataset> ReadValidationData(const DataSpec& spec,
                                           const std::vector<engine::ValueInfo>& inputs);

// The dataset's tensors for `model`'s inputs, in its input order, converted to their types.
// InvalidArgument naming the input the data lacks (and the tensors it has).
absl::StatusOr<std::vector<engine::Tensor>> InputsFor(const engine::Model& model,
                                                      const Dataset& data);

// Runs `model` over rows [0, rows) of `inputs` (model input order), `batch` rows per run (the
// model's fixed batch when it declares one: then only whole batches run), and collects every
// output. Fails naming the rows when a run fails, or when the outputs would pass
// `max_values` values in all.
absl::StatusOr<std::vector<CollectedOutput>> RunOverRows(const engine::Model& model,
                                                         const std::vector<engine::Tensor>& inputs,
                                                         int64_t rows, int64_t batch,
                                                         int64_t max_values = int64_t{1} << 25);

// The fixed first dimension of the model's inputs, or 0 when it takes any batch.
int64_t FixedBatch(const std::vector<engine::ValueInfo>& inputs);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_DATA_RUN_H_
