#include "optimize/calibration.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dataset/dataset.h"
#include "engine/runtime/model.h"
#include "optimize/model_edit.h"

namespace berth::optimize {
namespace {

using engine::DataType;
using engine::Tensor;

constexpr int kHistogramBins = 2048;

// The model's inputs from `data`, in graph input order, and the number of rows.
absl::StatusOr<std::vector<const Tensor*>> MatchInputs(
    const engine::Model& model, const std::vector<dataset::NamedTensor>& data, int64_t* rows) {
  std::vector<const Tensor*> inputs;
  *rows = -1;
  for (const engine::TensorSignature& in : model.inputs()) {
    auto it = std::find_if(data.begin(), data.end(),
                           [&](const dataset::NamedTensor& t) { return t.name == in.name; });
    if (it == data.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the calibration data has no tensor named '", in.name, "' (a model input)"));
    }
    const Tensor& t = it->tensor;
    if (t.dtype() != in.dtype) {
      return absl::InvalidArgumentError(
          absl::StrCat("calibration tensor '", in.name, "' is ", engine::DataTypeName(t.dtype()),
                       " but the model input is ", engine::DataTypeName(in.dtype)));
    }
    if (t.rank() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("calibration tensor '", in.name, "' is a scalar; it needs a row dimension"));
    }
    if (*rows >= 0 && t.dim(0) != *rows) {
      return absl::InvalidArgumentError(absl::StrCat("calibration tensor '", in.name, "' has ",
                                                     t.dim(0), " rows, another input ", *rows));
    }
    *rows = t.dim(0);
    inputs.push_back(&t);
  }
  if (*rows <= 0) return absl::InvalidArgumentError("the calibration data has no rows");
  return inputs;
}

// The fixed first dimension of the model's inputs, or 0 when it takes any batch.
int64_t FixedBatch(const engine::Model& model) {
  for (const engine::TensorSignature& in : model.inputs()) {
    if (in.has_shape && !in.dims.empty() && in.dims[0].is_fixed()) return in.dims[0].value;
  }
  return 0;
}

// Runs the model batch by batch and calls visit(i, tensor) for every observed tensor of
// every batch: first the inputs `fed` (indexes into the model's inputs), then the outputs
// from `first_extra` on.
absl::Status RunBatches(const engine::Model& model, const std::vector<const Tensor*>& inputs,
                        const std::vector<size_t>& fed, int64_t rows, int64_t batch,
                        size_t first_extra,
                        const std::function<absl::Status(size_t, const Tensor&)>& visit) {
  for (int64_t begin = 0; begin < rows; begin += batch) {
    const int64_t count = std::min(batch, rows - begin);
    std::vector<Tensor> views;
    views.reserve(inputs.size());
    std::vector<const Tensor*> pointers;
    for (const Tensor* t : inputs) views.push_back(dataset::RowsView(*t, begin, count));
    for (const Tensor& t : views) pointers.push_back(&t);
    for (size_t j = 0; j < fed.size(); ++j) RETURN_IF_ERROR(visit(j, views[fed[j]]));
    std::vector<Tensor> outputs;
    absl::Status ran = model.Run(pointers, &outputs);
    if (!ran.ok()) {
      return absl::Status(ran.code(), absl::StrCat("calibration rows ", begin, " to ",
                                                   begin + count - 1, ": ", ran.message()));
    }
    for (size_t i = first_extra; i < outputs.size(); ++i) {
      RETURN_IF_ERROR(visit(fed.size() + i - first_extra, outputs[i]));
    }
  }
  return absl::OkStatus();
}

// The value below which `fraction` of the histogram's mass lies.
float Quantile(const std::vector<int64_t>& bins, const TensorRange& range, double fraction) {
  int64_t total = 0;
  for (int64_t b : bins) total += b;
  const double target = fraction * static_cast<double>(total);
  const double width = (static_cast<double>(range.max) - range.min) / bins.size();
  int64_t seen = 0;
  for (size_t i = 0; i < bins.size(); ++i) {
    seen += bins[i];
    if (seen >= target) return static_cast<float>(range.min + width * (i + 1));
  }
  return range.max;
}

}  // namespace

absl::StatusOr<std::map<std::string, TensorRange>> CollectRanges(
    const onnx::ModelProto& model, const std::vector<std::string>& tensors,
    const std::vector<dataset::NamedTensor>& data, const CalibrationOptions& options) {
  if (options.method == CalibrationMethod::kPercentile &&
      !(options.percentile > 50 && options.percentile <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile ", options.percentile, " is not in (50, 100]"));
  }
  onnx::ModelProto probe = model;
  const size_t first_extra = probe.graph().output_size();
  // Graph inputs are read from the data; everything else becomes an extra graph output.
  std::set<std::string> graph_inputs;
  for (const onnx::ValueInfoProto& v : probe.graph().input()) graph_inputs.insert(v.name());
  std::vector<std::string> computed;
  std::vector<std::string> fed;
  for (const std::string& name : tensors) {
    (graph_inputs.count(name) > 0 ? fed : computed).push_back(name);
  }
  for (const std::string& name : computed) {
    onnx::ValueInfoProto* out = probe.mutable_graph()->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  std::string bytes;
  if (!probe.SerializeToString(&bytes)) {
    return absl::InternalError("could not serialize the model for calibration");
  }
  engine::ModelOptions model_options;
  model_options.intra_op_threads = options.intra_op_threads;
  // Fusions could fold away the activations observed; calibrate on the graph as written.
  model_options.optimize = false;
  ASSIGN_OR_RETURN(std::unique_ptr<engine::Model> engine_model,
                   engine::Model::LoadFromBytes(bytes, model_options));
  int64_t rows = 0;
  ASSIGN_OR_RETURN(std::vector<const Tensor*> inputs, MatchInputs(*engine_model, data, &rows));
  const int64_t limit = options.max_rows > 0 ? options.max_rows : kMaxCalibrationRows;
  rows = std::min({rows, limit, kMaxCalibrationRows});
  const int64_t fixed = FixedBatch(*engine_model);
  const int64_t batch = fixed > 0 ? fixed : std::max<int64_t>(1, options.batch);
  if (fixed > 0) rows -= rows % fixed;
  if (rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat("the model takes batches of ", fixed,
                                                   " rows; the calibration data has fewer"));
  }

  std::vector<std::string> observed = fed;
  observed.insert(observed.end(), computed.begin(), computed.end());
  std::vector<size_t> fed_index;
  for (const std::string& name : fed) {
    for (size_t k = 0; k < engine_model->inputs().size(); ++k) {
      if (engine_model->inputs()[k].name == name) fed_index.push_back(k);
    }
  }
  std::vector<TensorRange> ranges(
      observed.size(),
      TensorRange{std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()});
  auto check_float = [&](size_t i, const Tensor& t) -> absl::Status {
    if (t.dtype() != DataType::kFloat) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", observed[i], "' is ",
                                                     engine::DataTypeName(t.dtype()),
                                                     ", only float tensors are calibrated"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(RunBatches(*engine_model, inputs, fed_index, rows, batch, first_extra,
                             [&](size_t i, const Tensor& t) -> absl::Status {
                               RETURN_IF_ERROR(check_float(i, t));
                               const float* v = t.data<float>();
                               for (int64_t k = 0; k < t.num_elements(); ++k) {
                                 if (!std::isfinite(v[k])) {
                                   return absl::InvalidArgumentError(absl::StrCat(
                                       "tensor '", observed[i],
                                       "' took a value that is not finite during calibration"));
                                 }
                                 ranges[i].min = std::min(ranges[i].min, v[k]);
                                 ranges[i].max = std::max(ranges[i].max, v[k]);
                               }
                               return absl::OkStatus();
                             }));
  for (size_t i = 0; i < observed.size(); ++i) {
    if (ranges[i].min > ranges[i].max) ranges[i] = TensorRange{0, 0};  // no elements seen
  }

  if (options.method == CalibrationMethod::kPercentile) {
    std::vector<std::vector<int64_t>> histograms(observed.size(),
                                                 std::vector<int64_t>(kHistogramBins, 0));
    RETURN_IF_ERROR(RunBatches(*engine_model, inputs, fed_index, rows, batch, first_extra,
                               [&](size_t i, const Tensor& t) -> absl::Status {
                                 const TensorRange& r = ranges[i];
                                 const double width =
                                     (static_cast<double>(r.max) - r.min) / kHistogramBins;
                                 if (width <= 0) return absl::OkStatus();
                                 const float* v = t.data<float>();
                                 for (int64_t k = 0; k < t.num_elements(); ++k) {
                                   const int64_t bin = static_cast<int64_t>((v[k] - r.min) / width);
                                   ++histograms[i][std::clamp<int64_t>(bin, 0, kHistogramBins - 1)];
                                 }
                                 return absl::OkStatus();
                               }));
    const double upper = options.percentile / 100.0;
    for (size_t i = 0; i < observed.size(); ++i) {
      if (ranges[i].max <= ranges[i].min) continue;
      const TensorRange full = ranges[i];
      ranges[i].min =
          std::max(full.min, Quantile(histograms[i], full, 1.0 - upper) -
                                 static_cast<float>((full.max - full.min) / kHistogramBins));
      ranges[i].max = std::min(full.max, Quantile(histograms[i], full, upper));
    }
  }
  std::map<std::string, TensorRange> result;
  for (size_t i = 0; i < observed.size(); ++i) result[observed[i]] = ranges[i];
  return result;
}

}  // namespace berth::optimize
