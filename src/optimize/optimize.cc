#include "optimize/optimize.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "dataset/dataset.h"
#include "engine/runtime/model.h"
#include "onnx/onnx_pb.h"

namespace berth::optimize {
namespace {

absl::StatusOr<onnx::ModelProto> ParseModel(std::string_view bytes) {
  if (bytes.size() > kMaxOptimizeModelBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the model is ", bytes.size(),
                                                   " bytes, more than the ", kMaxOptimizeModelBytes,
                                                   " accepted"));
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("the model is not a valid ONNX protobuf");
  }
  for (const onnx::TensorProto& t : model.graph().initializer()) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      return absl::InvalidArgumentError(
          absl::StrCat("initializer '", t.name(),
                       "' keeps its data in an external file; optimize takes "
                       "self-contained models"));
    }
  }
  return model;
}

// The model's single non-initializer input, for a CSV file's feature columns.
std::string SingleInputName(const onnx::GraphProto& graph) {
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
  std::string name;
  int count = 0;
  for (const onnx::ValueInfoProto& v : graph.input()) {
    if (initializers.count(v.name()) == 0) {
      name = v.name();
      ++count;
    }
  }
  return count == 1 ? name : "";
}

absl::StatusOr<QuantizeReport> Quantize(onnx::ModelProto& model, QuantizeMethod method,
                                        const OptimizeOptions& options) {
  switch (method) {
    case QuantizeMethod::kInt8Static: {
      dataset::DatasetLimits limits;
      limits.csv.default_input_name = SingleInputName(model.graph());
      ASSIGN_OR_RETURN(std::vector<dataset::NamedTensor> data,
                       dataset::ReadDataset(options.calibration_files, limits));
      return QuantizeStatic(model, data, options.calibration);
    }
    case QuantizeMethod::kInt8Dynamic:
      return QuantizeDynamic(model);
    case QuantizeMethod::kFloat16:
    case QuantizeMethod::kBFloat16:
      return ConvertWeightsToHalf(model, method);
  }
  return absl::InvalidArgumentError("unknown quantization method");
}

std::string OpCounts(const std::map<std::string, int64_t>& nodes) {
  std::vector<std::string> parts;
  for (const auto& [op, n] : nodes) parts.push_back(absl::StrCat(n, " ", op));
  return parts.empty() ? "no nodes" : absl::StrJoin(parts, ", ");
}

}  // namespace

absl::StatusOr<OptimizeResult> OptimizeModel(std::string_view model_bytes,
                                             const OptimizeOptions& options) {
  if (!options.quantize.has_value() && !options.prune.has_value()) {
    return absl::InvalidArgumentError(
        "nothing to do: give a quantization method, pruning, or both");
  }
  const bool needs_calibration = options.quantize == QuantizeMethod::kInt8Static;
  if (needs_calibration && options.calibration_files.empty()) {
    return absl::InvalidArgumentError(
        "int8-static needs calibration data (--calibration FILE: .npz, .npy, .pb or .csv rows "
        "named as the model's inputs)");
  }
  if (!needs_calibration && !options.calibration_files.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calibration data is only used by int8-static, not ",
        options.quantize.has_value() ? std::string(QuantizeMethodName(*options.quantize))
                                     : std::string("pruning")));
  }
  ASSIGN_OR_RETURN(onnx::ModelProto model, ParseModel(model_bytes));
  OptimizeResult result;
  result.bytes_before = static_cast<int64_t>(model_bytes.size());
  if (options.prune.has_value()) {
    ASSIGN_OR_RETURN(result.prune, PruneModel(model, *options.prune));
    result.prune_options = *options.prune;
  }
  if (options.quantize.has_value()) {
    ASSIGN_OR_RETURN(result.quantize, Quantize(model, *options.quantize, options));
  }
  if (!model.SerializeToString(&result.model_bytes)) {
    return absl::InternalError("could not serialize the optimized model");
  }
  result.bytes_after = static_cast<int64_t>(result.model_bytes.size());
  // What we write must load: the engine checks every node, type and opset.
  absl::StatusOr<std::unique_ptr<engine::Model>> loaded =
      engine::Model::LoadFromBytes(result.model_bytes, engine::ModelOptions{});
  if (!loaded.ok()) {
    return absl::InternalError(
        absl::StrCat("the optimized model does not load: ", loaded.status().message()));
  }
  return result;
}

std::vector<std::string> DescribeResult(const OptimizeResult& result) {
  std::vector<std::string> lines;
  if (result.prune.has_value()) {
    const PruneReport& p = *result.prune;
    if (result.prune_options.structured) {
      lines.push_back(absl::StrCat("pruned to ", result.prune_options.sparsity,
                                   " (structured): ", p.channels_removed,
                                   " output channels removed from ", p.tensors, " convolutions"));
    } else {
      lines.push_back(absl::StrCat("pruned to ", result.prune_options.sparsity, ": ", p.zeroed,
                                   " of ", p.weights, " weights zeroed in ", p.tensors,
                                   " tensors"));
    }
    for (const std::string& s : p.skipped) lines.push_back(absl::StrCat("left whole: ", s));
  }
  if (result.quantize.has_value()) {
    const QuantizeReport& q = *result.quantize;
    lines.push_back(absl::StrCat("quantized: ", OpCounts(q.nodes), "; ", q.weights, " weights, ",
                                 q.biases, " biases, ", q.activations, " activations"));
    if (q.biases_clamped > 0) {
      lines.push_back(absl::StrCat("note: ", q.biases_clamped,
                                   " bias values did not fit int32 and were clamped"));
    }
    for (const std::string& s : q.skipped) lines.push_back(absl::StrCat("left as is: ", s));
  }
  lines.push_back(absl::StrCat(
      "size: ", result.bytes_before, " -> ", result.bytes_after, " bytes (",
      result.bytes_before > 0 ? absl::StrCat(100 * result.bytes_after / result.bytes_before) : "?",
      "%)"));
  return lines;
}

}  // namespace berth::optimize
