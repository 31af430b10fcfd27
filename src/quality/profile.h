// Reference profiles of a model version's inputs and outputs, and the population stability
// index (PSI) that compares live traffic with them. Pure logic: no I/O, no clock.
//
// A profile holds, per tensor, one or more histograms: ascending bin edges and the share of
// the reference rows in each bin. A value v falls in bin upper_bound(edges, v), so a
// histogram with k edges has k + 1 bins, the first and last open-ended. What is binned:
//   - an input ("features"): each element of a row is a feature with its own histogram,
//     edges at the reference data's quantiles (10 bins unless asked otherwise; fewer when
//     quantiles coincide). Rows with many elements (images) stay bounded: the first
//     kMaxIndividualFeatures elements get their own histograms, and the rest share one
//     pooled histogram fed with at most kPooledSamplesPerRow of them per row, taken at a
//     fixed stride.
//   - an output with more than one element per row ("classes"): the row's top-1 class
//     (argmax), one bin per class (edges at 0.5, 1.5, ...); at most kMaxClasses classes.
//   - an output with one element per row: an integer type is a class index ("classes",
//     as many bins as the largest class seen + 1); a float is a regression value ("values",
//     quantile bins).
// NaN values are not binned. Rows whose element count differs from the profile's are not
// counted. Outputs with more than kMaxClasses elements per row are not profiled.
#ifndef BERTH_QUALITY_PROFILE_H_
#define BERTH_QUALITY_PROFILE_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/core/tensor.h"

namespace berth::quality {

inline constexpr int kDefaultBins = 10;
inline constexpr int kMaxBins = 100;
inline constexpr int64_t kMaxIndividualFeatures = 64;
inline constexpr int64_t kPooledSamplesPerRow = 256;
inline constexpr int64_t kMaxClasses = 4096;
// Empty bins count as this share in PSI, so that ln(a/e) stays finite.
inline constexpr double kPsiFloor = 1e-4;

struct Histogram {
  std::vector<double> edges;   // strictly ascending, finite
  std::vector<double> shares;  // edges.size() + 1 values in [0, 1], summing to 1
  int Bin(double value) const;
};

enum class TensorRole { kInput, kOutput };
enum class BinningKind { kFeatures, kClasses, kValues };
const char* TensorRoleName(TensorRole role);    // "input", "output"
const char* BinningKindName(BinningKind kind);  // "features", "classes", "values"

struct TensorProfile {
  std::string name;
  TensorRole role = TensorRole::kInput;
  BinningKind kind = BinningKind::kFeatures;
  int64_t row_elements = 0;  // elements per row the profile was made from
  // kFeatures: one per individual feature, then the pooled one when row_elements exceeds
  // kMaxIndividualFeatures. kClasses and kValues: exactly one.
  std::vector<Histogram> histograms;
};

struct Profile {
  int64_t rows = 0;  // reference rows it was made from
  int bins = kDefaultBins;
  absl::Time created_at = absl::UnixEpoch();
  std::string source;  // where the reference data came from (a file name, "live traffic")
  std::vector<TensorProfile> tensors;
  const TensorProfile* Find(TensorRole role, const std::string& name) const;
};

// OK when every tensor of `profile` is one of the model's inputs or outputs (by role), so
// that the tensor names it puts in metric labels are the model's own; InvalidArgument naming
// the first that is not.
absl::Status CheckProfileFits(const Profile& profile, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs);

// How many histograms a tensor of `kind` with `row_elements` per row has.
int64_t HistogramCount(BinningKind kind, int64_t row_elements);

// The values a row contributes to each histogram, for one tensor. `row` indexes the first
// dimension. Calls sink(histogram_index, value) for every non-NaN value.
template <typename Sink>
void ForEachRowValue(BinningKind kind, const engine::Tensor& tensor, int64_t row,
                     int64_t row_elements, Sink&& sink);

// Whether a tensor can be profiled, and how: nullopt-like error when it cannot (strings,
// scalars, too many classes). `row_elements` is elements per row (the first dimension is the
// row).
absl::StatusOr<BinningKind> KindFor(TensorRole role, const engine::Tensor& tensor);

// The PSI of `observed` counts (one per bin) against the histogram's reference shares;
// 0 when nothing was observed. Shares below kPsiFloor count as kPsiFloor.
double Psi(const Histogram& reference, const std::vector<int64_t>& observed);

// Builds a profile from rows seen one batch at a time (a dataset's tensors, or the first
// rows a version serves). Keeps a bounded uniform sample of each histogram's values
// (reservoir sampling, fixed seed) and computes quantile edges from it at Finish.
class ProfileBuilder {
 public:
  explicit ProfileBuilder(int bins = kDefaultBins, int64_t max_samples = 10000);
  ProfileBuilder(ProfileBuilder&&) = default;
  ProfileBuilder& operator=(ProfileBuilder&&) = default;

  // Adds every row of `tensor` (first dimension = rows) to the tensor `name`. The first call
  // for a name fixes its kind and row size; later rows of another size are skipped (and
  // counted in skipped_rows()). InvalidArgument when the tensor cannot be profiled (its
  // first call only; later calls for an unprofilable name do nothing).
  absl::Status Add(TensorRole role, const std::string& name, const engine::Tensor& tensor);

  // Rows added to the first tensor added.
  int64_t rows() const;
  int64_t skipped_rows() const { return skipped_rows_; }

  // The profile of everything added. FailedPrecondition when no row was added.
  absl::StatusOr<Profile> Finish(absl::Time created_at, const std::string& source) const;

 private:
  struct Samples {
    std::vector<double> values;  // the reservoir
    int64_t seen = 0;
    std::vector<int64_t> class_counts;  // kClasses
  };
  struct Pending {
    std::string name;
    TensorRole role;
    BinningKind kind;
    int64_t row_elements;
    int64_t rows = 0;
    std::vector<Samples> histograms;
  };
  void Sample(Samples& s, double value);

  int bins_;
  int64_t max_samples_;
  std::vector<Pending> tensors_;
  std::vector<std::pair<TensorRole, std::string>> refused_;
  int64_t skipped_rows_ = 0;
  std::mt19937_64 rng_{20261207};
};

// ---- implementation of the template ----

namespace internal {
template <typename T, typename F>
void ForEachElement(const engine::Tensor& t, int64_t begin, int64_t count, int64_t stride, F&& f) {
  const T* data = t.data<T>() + begin;
  for (int64_t i = 0; i < count; ++i) f(i, static_cast<double>(data[i * stride]));
}
// Calls f(i, value) for `count` elements of `t` from `begin` at `stride`.
template <typename F>
void VisitElements(const engine::Tensor& t, int64_t begin, int64_t count, int64_t stride, F&& f) {
  using engine::DataType;
  switch (t.dtype()) {
    case DataType::kFloat:
      return ForEachElement<float>(t, begin, count, stride, f);
    case DataType::kDouble:
      return ForEachElement<double>(t, begin, count, stride, f);
    case DataType::kInt8:
      return ForEachElement<int8_t>(t, begin, count, stride, f);
    case DataType::kUint8:
      return ForEachElement<uint8_t>(t, begin, count, stride, f);
    case DataType::kBool:
      return ForEachElement<uint8_t>(t, begin, count, stride, f);
    case DataType::kInt16:
      return ForEachElement<int16_t>(t, begin, count, stride, f);
    case DataType::kUint16:
      return ForEachElement<uint16_t>(t, begin, count, stride, f);
    case DataType::kInt32:
      return ForEachElement<int32_t>(t, begin, count, stride, f);
    case DataType::kUint32:
      return ForEachElement<uint32_t>(t, begin, count, stride, f);
    case DataType::kInt64:
      return ForEachElement<int64_t>(t, begin, count, stride, f);
    case DataType::kUint64:
      return ForEachElement<uint64_t>(t, begin, count, stride, f);
    case DataType::kFloat16: {
      const engine::Float16* data = t.data<engine::Float16>() + begin;
      for (int64_t i = 0; i < count; ++i)
        f(i, static_cast<double>(static_cast<float>(data[i * stride])));
      return;
    }
    default:
      return;  // strings and bfloat16 are not profiled (KindFor refuses them)
  }
}
}  // namespace internal

template <typename Sink>
void ForEachRowValue(BinningKind kind, const engine::Tensor& tensor, int64_t row,
                     int64_t row_elements, Sink&& sink) {
  const int64_t begin = row * row_elements;
  auto keep = [&](int64_t h, double v) {
    if (v == v) sink(h, v);  // NaN is never binned
  };
  if (kind == BinningKind::kClasses && row_elements > 1) {
    int64_t best = -1;
    double best_value = 0;
    internal::VisitElements(tensor, begin, row_elements, 1, [&](int64_t i, double v) {
      if (v == v && (best < 0 || v > best_value)) best = i, best_value = v;
    });
    if (best >= 0) sink(0, static_cast<double>(best));
    return;
  }
  if (kind != BinningKind::kFeatures) {
    internal::VisitElements(tensor, begin, 1, 1, [&](int64_t, double v) { keep(0, v); });
    return;
  }
  const int64_t individual = std::min(row_elements, kMaxIndividualFeatures);
  internal::VisitElements(tensor, begin, individual, 1, keep);
  const int64_t rest = row_elements - individual;
  if (rest <= 0) return;
  const int64_t stride = (rest + kPooledSamplesPerRow - 1) / kPooledSamplesPerRow;
  const int64_t taken = (rest + stride - 1) / stride;
  internal::VisitElements(tensor, begin + individual, taken, stride,
                          [&](int64_t, double v) { keep(individual, v); });
}

}  // namespace berth::quality

#endif  // BERTH_QUALITY_PROFILE_H_
