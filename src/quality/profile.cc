#include "quality/profile.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace berth::quality {
namespace {

bool IsInteger(engine::DataType t) {
  using engine::DataType;
  switch (t) {
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kInt64:
    case DataType::kUint64:
    case DataType::kBool:
      return true;
    default:
      return false;
  }
}

bool IsNumeric(engine::DataType t) {
  using engine::DataType;
  return IsInteger(t) || t == DataType::kFloat || t == DataType::kDouble || t == DataType::kFloat16;
}

// Edges at the quantiles 1/bins .. (bins-1)/bins of `sorted`, duplicates removed.
std::vector<double> QuantileEdges(const std::vector<double>& sorted, int bins) {
  std::vector<double> edges;
  if (sorted.empty()) return edges;
  for (int i = 1; i < bins; ++i) {
    const size_t at = std::min(sorted.size() - 1, sorted.size() * i / bins);
    const double edge = sorted[at];
    if (edges.empty() || edge > edges.back()) edges.push_back(edge);
  }
  return edges;
}

std::vector<double> SharesOf(const std::vector<int64_t>& counts) {
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  std::vector<double> shares(counts.size(), 0.0);
  if (total == 0) {
    // Nothing to go on: a flat reference.
    std::fill(shares.begin(), shares.end(), 1.0 / static_cast<double>(counts.size()));
    return shares;
  }
  for (size_t i = 0; i < counts.size(); ++i) {
    shares[i] = static_cast<double>(counts[i]) / static_cast<double>(total);
  }
  return shares;
}

Histogram ClassHistogram(const std::vector<int64_t>& class_counts) {
  Histogram h;
  for (size_t c = 1; c < class_counts.size(); ++c) h.edges.push_back(static_cast<double>(c) - 0.5);
  h.shares = SharesOf(class_counts);
  return h;
}

}  // namespace

int Histogram::Bin(double value) const {
  return static_cast<int>(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
}

const char* TensorRoleName(TensorRole role) {
  return role == TensorRole::kInput ? "input" : "output";
}

const char* BinningKindName(BinningKind kind) {
  switch (kind) {
    case BinningKind::kFeatures:
      return "features";
    case BinningKind::kClasses:
      return "classes";
    case BinningKind::kValues:
      return "values";
  }
  return "features";
}

const TensorProfile* Profile::Find(TensorRole role, const std::string& name) const {
  for (const TensorProfile& t : tensors) {
    if (t.role == role && t.name == name) return &t;
  }
  return nullptr;
}

absl::Status CheckProfileFits(const Profile& profile, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs) {
  for (const TensorProfile& t : profile.tensors) {
    const std::vector<std::string>& names = t.role == TensorRole::kInput ? inputs : outputs;
    if (std::find(names.begin(), names.end(), t.name) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("the profile's ", TensorRoleName(t.role), " '",
                                                     t.name, "' is not an ", TensorRoleName(t.role),
                                                     " of the model"));
    }
  }
  return absl::OkStatus();
}

int64_t HistogramCount(BinningKind kind, int64_t row_elements) {
  if (kind != BinningKind::kFeatures) return 1;
  return std::min(row_elements, kMaxIndividualFeatures) +
         (row_elements > kMaxIndividualFeatures ? 1 : 0);
}

absl::StatusOr<BinningKind> KindFor(TensorRole role, const engine::Tensor& tensor) {
  if (!IsNumeric(tensor.dtype())) {
    return absl::InvalidArgumentError("only numeric tensors can be profiled");
  }
  if (tensor.rank() == 0) {
    return absl::InvalidArgumentError("a scalar has no rows (the first dimension is the row)");
  }
  if (role == TensorRole::kInput) return BinningKind::kFeatures;
  const int64_t rows = tensor.dim(0);
  const int64_t row_elements = rows > 0 ? tensor.num_elements() / rows : 0;
  if (row_elements > kMaxClasses) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an output with ", row_elements, " elements per row has more classes than ", kMaxClasses));
  }
  if (row_elements > 1 || IsInteger(tensor.dtype())) return BinningKind::kClasses;
  return BinningKind::kValues;
}

double Psi(const Histogram& reference, const std::vector<int64_t>& observed) {
  int64_t total = 0;
  for (int64_t c : observed) total += c;
  if (total == 0) return 0;
  double psi = 0;
  for (size_t i = 0; i < reference.shares.size() && i < observed.size(); ++i) {
    const double expected = std::max(reference.shares[i], kPsiFloor);
    const double actual =
        std::max(static_cast<double>(observed[i]) / static_cast<double>(total), kPsiFloor);
    psi += (actual - expected) * std::log(actual / expected);
  }
  return psi;
}

ProfileBuilder::ProfileBuilder(int bins, int64_t max_samples)
    : bins_(std::clamp(bins, 2, kMaxBins)), max_samples_(std::max<int64_t>(max_samples, 16)) {}

void ProfileBuilder::Sample(Samples& s, double value) {
  ++s.seen;
  if (static_cast<int64_t>(s.values.size()) < max_samples_) {
    s.values.push_back(value);
    return;
  }
  const uint64_t slot = rng_() % static_cast<uint64_t>(s.seen);
  if (slot < static_cast<uint64_t>(max_samples_)) s.values[slot] = value;
}

absl::Status ProfileBuilder::Add(TensorRole role, const std::string& name,
                                 const engine::Tensor& tensor) {
  for (const auto& [r, n] : refused_) {
    if (r == role && n == name) return absl::OkStatus();
  }
  auto it = std::find_if(tensors_.begin(), tensors_.end(),
                         [&](const Pending& p) { return p.role == role && p.name == name; });
  if (it == tensors_.end()) {
    absl::StatusOr<BinningKind> kind = KindFor(role, tensor);
    if (!kind.ok() || tensor.dim(0) == 0) {
      if (!kind.ok()) {
        refused_.emplace_back(role, name);
        return absl::InvalidArgumentError(absl::StrCat(
            TensorRoleName(role), " '", name, "' cannot be profiled: ", kind.status().message()));
      }
      return absl::OkStatus();  // no rows yet: decide on the next batch
    }
    Pending p{name, role, *kind, tensor.num_elements() / tensor.dim(0), 0, {}};
    p.histograms.resize(HistogramCount(p.kind, p.row_elements));
    tensors_.push_back(std::move(p));
    it = tensors_.end() - 1;
  }
  Pending& p = *it;
  if (tensor.rank() == 0 || tensor.dim(0) == 0) return absl::OkStatus();
  const int64_t rows = tensor.dim(0);
  if (tensor.num_elements() != rows * p.row_elements) {
    skipped_rows_ += rows;
    return absl::OkStatus();
  }
  for (int64_t r = 0; r < rows; ++r) {
    ForEachRowValue(p.kind, tensor, r, p.row_elements, [&](int64_t h, double v) {
      Samples& s = p.histograms[h];
      if (p.kind == BinningKind::kClasses) {
        const int64_t c = std::clamp<int64_t>(static_cast<int64_t>(v), 0, kMaxClasses - 1);
        if (static_cast<int64_t>(s.class_counts.size()) <= c) {
          s.class_counts.resize(std::max(c + 1, p.row_elements > 1 ? p.row_elements : 0));
        }
        ++s.class_counts[c];
      } else {
        Sample(s, v);
      }
    });
  }
  p.rows += rows;
  return absl::OkStatus();
}

int64_t ProfileBuilder::rows() const { return tensors_.empty() ? 0 : tensors_.front().rows; }

absl::StatusOr<Profile> ProfileBuilder::Finish(absl::Time created_at,
                                               const std::string& source) const {
  if (rows() == 0) return absl::FailedPreconditionError("no rows to profile");
  Profile profile;
  profile.rows = rows();
  profile.bins = bins_;
  profile.created_at = created_at;
  profile.source = source;
  for (const Pending& p : tensors_) {
    TensorProfile t{p.name, p.role, p.kind, p.row_elements, {}};
    for (const Samples& s : p.histograms) {
      if (p.kind == BinningKind::kClasses) {
        std::vector<int64_t> counts = s.class_counts;
        if (counts.size() < 2) counts.resize(2);
        t.histograms.push_back(ClassHistogram(counts));
        continue;
      }
      std::vector<double> sorted = s.values;
      std::sort(sorted.begin(), sorted.end());
      Histogram h;
      h.edges = QuantileEdges(sorted, bins_);
      std::vector<int64_t> counts(h.edges.size() + 1, 0);
      for (double v : sorted) ++counts[h.Bin(v)];
      h.shares = SharesOf(counts);
      t.histograms.push_back(std::move(h));
    }
    profile.tensors.push_back(std::move(t));
  }
  return profile;
}

}  // namespace berth::quality
