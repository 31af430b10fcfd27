// Calibration for static quantization: runs the float model (the engine, in process) over
// the rows of a calibration dataset with the activations to quantize added as graph outputs,
// and reports the range each one took.
#ifndef BERTH_OPTIMIZE_CALIBRATION_H_
#define BERTH_OPTIMIZE_CALIBRATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/npz.h"
#include "onnx/onnx_pb.h"
#include "optimize/quant_math.h"

namespace berth::optimize {

enum class CalibrationMethod {
  kMinMax,      // the smallest and largest value seen (ONNX Runtime's default)
  kPercentile,  // the `percentile`-th and (100 - percentile)-th percentiles: outliers clipped
};

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.999;  // kPercentile: in (50, 100]
  int64_t max_rows = 0;        // use at most this many rows (0: all)
  // Rows per run (a fixed batch dimension of the model wins). Every calibrated activation of
  // the batch is held at once, so large models calibrate a row at a time.
  int64_t batch = 1;
  int intra_op_threads = 0;  // engine threads (0: one per core)
};

// The most rows a calibration may run, whatever max_rows says.
inline constexpr int64_t kMaxCalibrationRows = 100000;

// Runs `model` over `data` (tensors named as the model's inputs, one row per example along
// the first dimension, of the inputs' element types; tensors with other names, e.g. labels,
// are ignored) and returns the range of each tensor in `tensors` (float activations the
// model computes, or its float inputs). InvalidArgument naming the input or tensor when the
// data does not fit the model, the dataset has no rows, or a range is not finite; the
// engine's error (with the rows) when a run fails.
absl::StatusOr<std::map<std::string, TensorRange>> CollectRanges(
    const onnx::ModelProto& model, const std::vector<std::string>& tensors,
    const std::vector<dataset::NamedTensor>& data, const CalibrationOptions& options);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_CALIBRATION_H_
