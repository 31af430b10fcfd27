// MelWeightMatrix (opset 17): triangular filters, evenly spaced on the mel scale
// mel(f) = 2595 log10(1 + f / 700), mapping the onesided DFT bins to num_mel_bins bands.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/signal/signal_kernels.h"
#include "engine/kernels/signal/signal_util.h"

namespace berth::engine {
namespace {

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

struct MelParams {
  int64_t num_mel_bins = 0;
  int64_t dft_length = 0;
  int64_t sample_rate = 0;
  double lower_hz = 0;
  double upper_hz = 0;
};

class MelWeightMatrixKernel : public Kernel {
 public:
  explicit MelWeightMatrixKernel(std::string prefix) : prefix_(std::move(prefix)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(MelParams p, ReadParams(ctx));
    const int64_t num_bins = p.dft_length / 2 + 1;
    const int64_t mels = p.num_mel_bins;
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, {num_bins, mels}));
    const int64_t edges_count = mels + 2;
    void* buffer = ctx.Scratch(sizeof(double) * (num_bins * mels + edges_count));
    if (buffer == nullptr) return Error("no scratch memory");
    double* weights = static_cast<double*>(buffer);
    double* edge_values = weights + num_bins * mels;
    std::fill_n(weights, num_bins * mels, 0.0);

    // Band edges, as DFT bin indices: mels + 2 points evenly spaced in mel.
    const double low_mel = HzToMel(p.lower_hz);
    const double mel_step = (HzToMel(p.upper_hz) - low_mel) / static_cast<double>(edges_count);
    for (int64_t i = 0; i < edges_count; ++i) {
      const double hz = MelToHz(low_mel + mel_step * static_cast<double>(i));
      edge_values[i] = std::floor(static_cast<double>(p.dft_length + 1) * hz / p.sample_rate);
    }
    // Edges stay doubles so that far out-of-range edges still give the exact slopes; only the
    // bins inside the matrix are visited.
    auto first_bin = [&](double edge) {
      return static_cast<int64_t>(std::min(std::max(edge, 0.0), static_cast<double>(num_bins)));
    };
    auto last_bin = [&](double edge) {
      const double clamped = std::min(edge, static_cast<double>(num_bins - 1));
      return static_cast<int64_t>(std::max(clamped, -1.0));
    };
    for (int64_t band = 0; band < mels; ++band) {
      const double left = edge_values[band];
      const double center = edge_values[band + 1];
      const double right = edge_values[band + 2];
      if (center == left) {
        if (center >= 0 && center < num_bins) weights[first_bin(center) * mels + band] = 1.0;
      } else {
        for (int64_t j = first_bin(left); j <= last_bin(center); ++j) {
          weights[j * mels + band] = (static_cast<double>(j) - left) / (center - left);
        }
      }
      for (int64_t j = first_bin(center); j <= last_bin(right - 1); ++j) {
        weights[j * mels + band] = (right - static_cast<double>(j)) / (right - center);
      }
    }
    return WriteConverted(weights, *y);
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  absl::StatusOr<MelParams> ReadParams(const KernelContext& ctx) const {
    for (int i = 0; i < 5; ++i) {
      if (ctx.input(i) == nullptr) return Error("all five inputs are required");
    }
    MelParams p;
    ASSIGN_OR_RETURN(p.num_mel_bins, ReadIntScalar(*ctx.input(0), prefix_ + "num_mel_bins"));
    ASSIGN_OR_RETURN(p.dft_length, ReadIntScalar(*ctx.input(1), prefix_ + "dft_length"));
    ASSIGN_OR_RETURN(p.sample_rate, ReadIntScalar(*ctx.input(2), prefix_ + "sample_rate"));
    ASSIGN_OR_RETURN(p.lower_hz, ReadFloatScalar(*ctx.input(3), prefix_ + "lower_edge_hertz"));
    ASSIGN_OR_RETURN(p.upper_hz, ReadFloatScalar(*ctx.input(4), prefix_ + "upper_edge_hertz"));
    if (p.num_mel_bins <= 0 || p.dft_length <= 0 || p.sample_rate <= 0) {
      return Error(absl::StrCat("num_mel_bins (", p.num_mel_bins, "), dft_length (", p.dft_length,
                                ") and sample_rate (", p.sample_rate, ") must be positive"));
    }
    if (!(p.lower_hz >= 0) || !(p.upper_hz > p.lower_hz)) {
      return Error(absl::StrCat("need 0 <= lower_edge_hertz < upper_edge_hertz, got ", p.lower_hz,
                                " and ", p.upper_hz));
    }
    return p;
  }

  std::string prefix_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMelWeightMatrix(KernelInfo& info) {
  ASSIGN_OR_RETURN(DataType out_type, ParseOutputDatatype(info));
  if (info.output_types().empty()) return info.Error("the node has no output");
  info.output_types()[0] = out_type;
  return std::make_unique<MelWeightMatrixKernel>(
      absl::StrCat("MelWeightMatrix node '", info.node().name, "': "));
}

}  // namespace

absl::Status RegisterMelWeightMatrix(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "MelWeightMatrix",
                            .since_version = 17,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kInt32, DataType::kInt64},
                            .factory = CreateMelWeightMatrix});
}

}  // namespace berth::engine
