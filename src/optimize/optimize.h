// `berth optimize`'s pipeline on model bytes: optional pruning (prune.h) then optional
// quantization (quantize.h, which keeps pruned zeros: weights are symmetric, zero point 0),
// returning the new model's bytes and what was done. The CLI (tools/berth/optimize_command.cc)
// reads and writes the files and talks to the registry.
#ifndef BERTH_OPTIMIZE_OPTIMIZE_H_
#define BERTH_OPTIMIZE_OPTIMIZE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "optimize/calibration.h"
#include "optimize/prune.h"
#include "optimize/quantize.h"

namespace berth::optimize {

struct OptimizeOptions {
  std::optional<PruneOptions> prune;  // applied first
  std::optional<QuantizeMethod> quantize;
  // int8-static: the calibration dataset files (dataset/dataset.h: .pb, .npy, .npz, .csv).
  std::vector<std::string> calibration_files;
  CalibrationOptions calibration;
};

struct OptimizeResult {
  std::string model_bytes;  // the optimized model, serialized
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  std::optional<PruneReport> prune;
  PruneOptions prune_options;  // what `prune` was made with
  std::optional<QuantizeReport> quantize;
};

// Largest model accepted, in bytes.
inline constexpr uint64_t kMaxOptimizeModelBytes = uint64_t{2} << 30;

// Parses `model_bytes` (an ONNX model without external data), prunes then quantizes it as
// the options say, checks that the engine loads the result, and serializes it.
// InvalidArgument when neither pruning nor quantization is asked for, for int8-static without
// calibration files or with them for another method, for a model that does not parse, and the
// quantizers' errors.
absl::StatusOr<OptimizeResult> OptimizeModel(std::string_view model_bytes,
                                             const OptimizeOptions& options);

// One line per thing done ("int8-static: 3 Conv, 1 Gemm; 5 activations quantized, ...").
std::vector<std::string> DescribeResult(const OptimizeResult& result);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_OPTIMIZE_H_
