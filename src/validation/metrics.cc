#include "validation/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "validation/tensors.h"

namespace berth::validation {
namespace {

// The index of the largest value of row `r` (NaN never wins; the first of equal values).
int64_t ArgMax(const CollectedOutput& out, int64_t r) {
  const double* row = out.values.data() + r * out.row_elements;
  int64_t best = 0;
  for (int64_t c = 1; c < out.row_elements; ++c) {
    if (row[c] > row[best] || std::isnan(row[best])) best = c;
  }
  return best;
}

// Whether `label` is among the k largest values of row `r`: fewer than k values beat it.
bool InTopK(const CollectedOutput& out, int64_t r, int64_t label, int64_t k) {
  const double* row = out.values.data() + r * out.row_elements;
  const double v = row[label];
  if (std::isnan(v)) return false;
  int64_t better = 0;
  for (int64_t c = 0; c < out.row_elements; ++c) {
    if (row[c] > v || (row[c] == v && c < label)) ++better;
  }
  return better < k;
}

absl::Status CheckRows(const CollectedOutput& out, size_t labels) {
  if (out.rows != static_cast<int64_t>(labels)) {
    return absl::InvalidArgumentError(absl::StrCat("output '", out.name, "' has ", out.rows,
                                                   " rows but there are ", labels, " labels"));
  }
  if (out.rows == 0) return absl::InvalidArgumentError("no rows to measure accuracy on");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AccuracyFigures> ClassificationAccuracy(const CollectedOutput& out,
                                                       const std::vector<double>& labels) {
  if (absl::Status s = CheckRows(out, labels.size()); !s.ok()) return s;
  AccuracyFigures a;
  a.task = "classification";
  a.rows = out.rows;
  int64_t top1 = 0;
  if (out.row_elements == 1 && !IsFloatingType(out.dtype)) {
    for (int64_t r = 0; r < out.rows; ++r) top1 += out.values[r] == labels[r] ? 1 : 0;
    a.top1 = static_cast<double>(top1) / static_cast<double>(out.rows);
    return a;
  }
  if (out.row_elements < 2 || !IsFloatingType(out.dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", out.name, "' (", engine::DataTypeName(out.dtype), ", ", out.row_elements,
        " per row) is neither class scores [N, C>=2] nor integer labels [N]"));
  }
  const int64_t k = std::min<int64_t>(5, out.row_elements);
  int64_t topk = 0;
  for (int64_t r = 0; r < out.rows; ++r) {
    const double label = labels[r];
    if (!(label >= 0 && label < static_cast<double>(out.row_elements)) ||
        label != std::floor(label)) {
      return absl::InvalidArgumentError(absl::StrCat("label ", label, " of row ", r,
                                                     " is not a class index of output '", out.name,
                                                     "' (0 to ", out.row_elements - 1, ")"));
    }
    const auto l = static_cast<int64_t>(label);
    top1 += ArgMax(out, r) == l ? 1 : 0;
    topk += InTopK(out, r, l, k) ? 1 : 0;
  }
  a.top1 = static_cast<double>(top1) / static_cast<double>(out.rows);
  a.top5 = static_cast<double>(topk) / static_cast<double>(out.rows);
  return a;
}

absl::StatusOr<AccuracyFigures> RegressionAccuracy(const CollectedOutput& out,
                                                   const std::vector<double>& labels) {
  if (absl::Status s = CheckRows(out, labels.size()); !s.ok()) return s;
  if (out.row_elements != 1) {
    return absl::InvalidArgumentError(absl::StrCat("output '", out.name, "' has ", out.row_elements,
                                                   " values per row; regression needs one"));
  }
  double abs_sum = 0;
  double sq_sum = 0;
  for (int64_t r = 0; r < out.rows; ++r) {
    const double e = out.values[r] - labels[r];
    abs_sum += std::fabs(e);
    sq_sum += e * e;
  }
  AccuracyFigures a;
  a.task = "regression";
  a.rows = out.rows;
  a.mae = abs_sum / static_cast<double>(out.rows);
  a.rmse = std::sqrt(sq_sum / static_cast<double>(out.rows));
  return a;
}

absl::StatusOr<AgreementFigures> CompareOutputs(const std::vector<CollectedOutput>& model,
                                                const std::vector<CollectedOutput>& against) {
  AgreementFigures f;
  for (const CollectedOutput& a : model) {
    auto it = std::find_if(against.begin(), against.end(),
                           [&](const CollectedOutput& b) { return b.name == a.name; });
    if (it == against.end()) continue;
    const CollectedOutput& b = *it;
    if (a.rows != b.rows || a.row_elements != b.row_elements) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", a.name, "' is ", a.rows, " rows of ", a.row_elements,
                       " here but ", b.rows, " rows of ", b.row_elements, " in the other model"));
    }
    for (size_t i = 0; i < a.values.size(); ++i) {
      const double x = a.values[i];
      const double y = b.values[i];
      if (std::isnan(x) || std::isnan(y)) {
        f.nan_mismatches += std::isnan(x) != std::isnan(y) ? 1 : 0;
        continue;
      }
      if (x == y) continue;  // also equal infinities
      const double diff = std::fabs(x - y);
      f.max_abs_diff = std::max(f.max_abs_diff, diff);
      f.max_rel_diff = std::max(f.max_rel_diff, diff / std::max(std::fabs(x), std::fabs(y)));
    }
    if (f.outputs == 0 && a.row_elements >= 2 && IsFloatingType(a.dtype)) {
      int64_t same = 0;
      for (int64_t r = 0; r < a.rows; ++r) same += ArgMax(a, r) == ArgMax(b, r) ? 1 : 0;
      if (a.rows > 0) f.top1_agreement = static_cast<double>(same) / static_cast<double>(a.rows);
    }
    f.rows = a.rows;
    ++f.outputs;
  }
  if (f.outputs == 0) {
    return absl::InvalidArgumentError("the two models have no output name in common");
  }
  return f;
}

}  // namespace berth::validation
