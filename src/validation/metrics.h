// The numbers of the accuracy and agreement checks, from the outputs a model gave over the
// rows of a dataset (collected by data_run.h).
#ifndef BERTH_VALIDATION_METRICS_H_
#define BERTH_VALIDATION_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "validation/report.h"

namespace berth::validation {

// One output over `rows` rows: `values` row-major, rows * row_elements of them.
struct CollectedOutput {
  std::string name;
  engine::DataType dtype = engine::DataType::kFloat;
  int64_t rows = 0;
  int64_t row_elements = 0;
  std::vector<double> values;
};

// Classification: `out` holds scores or logits [rows, C] (C >= 2: top-1 and top-k with
// k = min(5, C)) or predicted integer labels [rows] (top-1 only). `labels` are class indices,
// one per row. InvalidArgument naming the output when its form fits neither.
absl::StatusOr<AccuracyFigures> ClassificationAccuracy(const CollectedOutput& out,
                                                       const std::vector<double>& labels);

// Regression: `out` holds one value per row; mean absolute error and root mean square error
// against `labels`. InvalidArgument naming the output otherwise.
absl::StatusOr<AccuracyFigures> RegressionAccuracy(const CollectedOutput& out,
                                                   const std::vector<double>& labels);

struct AgreementFigures {
  int64_t rows = 0;
  int64_t outputs = 0;                   // outputs compared (those both models have)
  double max_abs_diff = 0;               // largest |a - b| over every element
  double max_rel_diff = 0;               // largest |a - b| / max(|a|, |b|) (0 when both are 0)
  int64_t nan_mismatches = 0;            // elements NaN in one model's output only
  std::optional<double> top1_agreement;  // share of rows with the same arg-max (first output)
};

// Compares the outputs of two models over the same rows, output by output (matched by
// name). InvalidArgument when no output is shared or a shared output differs in rows or
// elements per row (naming it).
absl::StatusOr<AgreementFigures> CompareOutputs(const std::vector<CollectedOutput>& model,
                                                const std::vector<CollectedOutput>& against);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_METRICS_H_
