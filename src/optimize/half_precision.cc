// fp16 / bf16: weights stored as 16-bit floats, read through Cast (quantize.h).
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/format/tensor_proto.h"
#include "optimize/model_edit.h"
#include "optimize/quantize.h"

namespace berth::optimize {
namespace {

using engine::DataType;
using engine::Tensor;

// Initializers smaller than this stay float32: they cost nothing, and some hold constants
// (epsilons, scales) that 16 bits would round badly.
constexpr int64_t kMinElements = 16;
constexpr float kFloat16Max = 65504.0f;

// `values` as float16 / bfloat16; false when a value does not fit float16.
bool ToHalf(const Tensor& values, DataType dtype, Tensor* out) {
  *out = Tensor(dtype, values.shape());
  const float* v = values.data<float>();
  for (int64_t i = 0; i < values.num_elements(); ++i) {
    if (dtype == DataType::kFloat16) {
      if (std::isfinite(v[i]) && std::fabs(v[i]) > kFloat16Max) return false;
      out->data<engine::Float16>()[i] = engine::Float16(v[i]);
    } else {
      out->data<engine::BFloat16>()[i] = engine::BFloat16(v[i]);
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<QuantizeReport> ConvertWeightsToHalf(onnx::ModelProto& model,
                                                    QuantizeMethod method) {
  if (method != QuantizeMethod::kFloat16 && method != QuantizeMethod::kBFloat16) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(QuantizeMethodName(method)), " is not a 16-bit float method"));
  }
  const DataType dtype =
      method == QuantizeMethod::kFloat16 ? DataType::kFloat16 : DataType::kBFloat16;
  const std::string suffix = method == QuantizeMethod::kFloat16 ? "_fp16" : "_bf16";
  RETURN_IF_ERROR(InlineConstants(model));
  onnx::GraphProto& graph = *model.mutable_graph();
  GraphEditor editor(graph);
  QuantizeReport report;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> casts;
  google::protobuf::RepeatedPtrField<onnx::TensorProto> initializers;
  for (onnx::TensorProto& proto : *graph.mutable_initializer()) {
    int64_t elements = 1;
    for (int64_t d : proto.dims()) elements *= d;
    const bool eligible =
        proto.data_type() == onnx::TensorProto::FLOAT && elements >= kMinElements &&
        proto.data_location() != onnx::TensorProto::EXTERNAL &&
        !editor.IsGraphInput(proto.name()) && !editor.Consumers(proto.name()).empty();
    Tensor half;
    if (eligible) {
      absl::StatusOr<Tensor> values = engine::TensorFromProto(proto);
      if (!values.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("initializer '", proto.name(), "': ", values.status().message()));
      }
      if (!ToHalf(*values, dtype, &half)) {
        report.skipped.push_back(absl::StrCat("initializer '", proto.name(),
                                              "': a value beyond float16's range (65504)"));
      } else {
        const std::string stored = editor.FreshName(proto.name() + suffix);
        onnx::TensorProto* converted = initializers.Add();
        RETURN_IF_ERROR(engine::TensorToProto(half, stored, converted));
        onnx::NodeProto* cast = casts.Add();
        cast->set_op_type("Cast");
        cast->set_name(editor.FreshName(proto.name() + "_Cast"));
        cast->add_input(stored);
        cast->add_output(proto.name());
        onnx::AttributeProto* to = cast->add_attribute();
        to->set_name("to");
        to->set_type(onnx::AttributeProto::INT);
        to->set_i(onnx::TensorProto::FLOAT);
        ++report.weights;
        ++report.nodes["Cast"];
        continue;
      }
    }
    *initializers.Add() = std::move(proto);
  }
  graph.mutable_initializer()->Swap(&initializers);
  for (onnx::NodeProto& node : *graph.mutable_node()) *casts.Add() = std::move(node);
  graph.mutable_node()->Swap(&casts);
  if (report.weights == 0) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(QuantizeMethodName(method)),
                                                   " found no float initializer of ", kMinElements,
                                                   " or more elements to convert"));
  }
  return report;
}

}  // namespace berth::optimize
