// int8-dynamic: MatMul / Gemm with constant weights through MatMulInteger (quantize.h).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "optimize/model_edit.h"
#include "optimize/quant_math.h"
#include "optimize/quantize.h"

namespace berth::optimize {
namespace {

using engine::DataType;
using engine::Tensor;

onnx::NodeProto NewNode(const std::string& op, const std::string& name,
                        const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs) {
  onnx::NodeProto node;
  node.set_op_type(op);
  node.set_name(name);
  for (const std::string& in : inputs) node.add_input(in);
  for (const std::string& out : outputs) node.add_output(out);
  return node;
}

// The constant B of a MatMul, or of a Gemm as [K, N] with alpha folded in; with the Gemm's
// C times beta in `bias` (empty tensor when there is none) and C's name when it is not a
// constant (`bias_input`). False with the reason when the node stays float.
struct DynamicWeight {
  Tensor weight;    // float [K, N]
  std::string key;  // identifies the constant for sharing between nodes
  Tensor bias;      // float, the Gemm's constant C * beta (when has_bias)
  bool has_bias = false;
  std::string bias_input;  // the Gemm's C when it is computed (beta = 1)
};

bool PlanNode(const GraphEditor& editor, const onnx::NodeProto& node, DynamicWeight* out,
              std::string* why, absl::Status* error) {
  if (node.input_size() < 2 || node.output_size() != 1) {
    *why = "unexpected inputs or outputs";
    return false;
  }
  const onnx::TensorProto* b = editor.Initializer(node.input(1));
  if (b == nullptr || b->data_type() != onnx::TensorProto::FLOAT || b->dims_size() != 2 ||
      b->data_location() == onnx::TensorProto::EXTERNAL) {
    *why = "its B input is not a float initializer of rank 2";
    return false;
  }
  if (editor.IsInitializer(node.input(0))) {
    *why = "its A input is a constant";
    return false;
  }
  absl::StatusOr<Tensor> weight = editor.InitializerTensor(node.input(1));
  if (!weight.ok()) {
    *error = weight.status();
    return false;
  }
  out->key = node.input(1);
  if (node.op_type() == "MatMul") {
    out->weight = std::move(*weight);
    return true;
  }
  if (IntAttribute(node, "transA", 0) != 0) {
    *why = "transA = 1";
    return false;
  }
  const bool trans_b = IntAttribute(node, "transB", 0) != 0;
  const float alpha = FloatAttribute(node, "alpha", 1);
  const float beta = FloatAttribute(node, "beta", 1);
  const int64_t k = weight->dim(trans_b ? 1 : 0);
  const int64_t n = weight->dim(trans_b ? 0 : 1);
  out->weight = Tensor(DataType::kFloat, {k, n});
  const float* w = weight->data<float>();
  float* t = out->weight.data<float>();
  for (int64_t r = 0; r < k; ++r) {
    for (int64_t c = 0; c < n; ++c) t[r * n + c] = alpha * (trans_b ? w[c * k + r] : w[r * n + c]);
  }
  out->key = absl::StrCat(node.input(1), trans_b ? "_Transposed" : "", alpha != 1 ? "_scaled" : "",
                          alpha != 1 ? absl::StrCat(alpha) : "");
  if (node.input_size() < 3 || node.input(2).empty()) return true;
  if (!editor.IsInitializer(node.input(2))) {
    if (beta != 1) {
      *why = "its C is computed and beta is not 1";
      return false;
    }
    out->bias_input = node.input(2);
    return true;
  }
  absl::StatusOr<Tensor> c = editor.InitializerTensor(node.input(2));
  if (!c.ok()) {
    *error = c.status();
    return false;
  }
  if (c->dtype() != DataType::kFloat) {
    *why = "its C is not float";
    return false;
  }
  out->bias = std::move(*c);
  out->has_bias = true;
  for (int64_t i = 0; i < out->bias.num_elements(); ++i) out->bias.data<float>()[i] *= beta;
  return true;
}

class DynamicRewriter {
 public:
  DynamicRewriter(GraphEditor& editor, QuantizeReport* report) : editor_(editor), report_(report) {}

  absl::Status Rewrite() {
    onnx::GraphProto& graph = editor_.graph();
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (int i = 0; i < graph.node_size(); ++i) {
      const onnx::NodeProto& node = graph.node(i);
      const bool candidate = (node.domain().empty() || node.domain() == "ai.onnx") &&
                             (node.op_type() == "MatMul" || node.op_type() == "Gemm");
      DynamicWeight weight;
      std::string why;
      absl::Status error;
      if (!candidate) {
        *nodes.Add() = node;
        continue;
      }
      if (!PlanNode(editor_, node, &weight, &why, &error)) {
        if (!error.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(NodeLabel(node, i), ": ", error.message()));
        }
        report_->skipped.push_back(absl::StrCat(NodeLabel(node, i), ": ", why));
        *nodes.Add() = node;
        continue;
      }
      std::vector<onnx::NodeProto> replacement;
      RETURN_IF_ERROR(Replace(node, i, std::move(weight), &replacement));
      for (onnx::NodeProto& n : replacement) *nodes.Add() = std::move(n);
      ++report_->nodes[node.op_type()];
    }
    graph.mutable_node()->Swap(&nodes);
    editor_.RemoveUnusedInitializers();
    return absl::OkStatus();
  }

 private:
  struct QuantizedNames {
    std::string values, scale, zero_point;
  };

  absl::StatusOr<QuantizedNames> WeightNames(const onnx::NodeProto& node, int index,
                                             DynamicWeight& w) {
    auto it = weights_.find(w.key);
    if (it != weights_.end()) return it->second;
    absl::StatusOr<QuantizedWeight> q = QuantizeWeightSymmetric(w.weight, -1);
    if (!q.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(NodeLabel(node, index), " weight '",
                                                     node.input(1), "': ", q.status().message()));
    }
    QuantizedNames names{editor_.FreshName(w.key + "_quantized"),
                         editor_.FreshName(w.key + "_scale"),
                         editor_.FreshName(w.key + "_zero_point")};
    RETURN_IF_ERROR(editor_.AddInitializer(q->values, names.values));
    RETURN_IF_ERROR(editor_.AddInitializer(q->scales, names.scale));
    RETURN_IF_ERROR(editor_.AddInitializer(q->zero_points, names.zero_point));
    ++report_->weights;
    weights_[w.key] = names;
    return names;
  }

  absl::Status Replace(const onnx::NodeProto& node, int index, DynamicWeight w,
                       std::vector<onnx::NodeProto>* out) {
    ASSIGN_OR_RETURN(QuantizedNames weight, WeightNames(node, index, w));
    const std::string& a = node.input(0);
    auto it = activations_.find(a);
    if (it == activations_.end()) {
      QuantizedNames names{editor_.FreshName(a + "_quantized"), editor_.FreshName(a + "_scale"),
                           editor_.FreshName(a + "_zero_point")};
      out->push_back(NewNode("DynamicQuantizeLinear", editor_.FreshName(a + "_DynamicQuantize"),
                             {a}, {names.values, names.scale, names.zero_point}));
      it = activations_.emplace(a, names).first;
      ++report_->activations;
    }
    const QuantizedNames& x = it->second;
    const std::string base = node.name().empty() ? node.output(0) : node.name();
    const std::string scales = editor_.FreshName(base + "_quant_scales_mul");
    out->push_back(
        NewNode("Mul", editor_.FreshName(base + "_scales_mul"), {x.scale, weight.scale}, {scales}));
    const std::string integer = editor_.FreshName(base + "_output_quantized");
    out->push_back(NewNode("MatMulInteger", editor_.FreshName(base + "_MatMulInteger"),
                           {x.values, weight.values, x.zero_point, weight.zero_point}, {integer}));
    const std::string cast = editor_.FreshName(base + "_output_quantized_cast_output");
    onnx::NodeProto cast_node =
        NewNode("Cast", editor_.FreshName(base + "_Cast"), {integer}, {cast});
    onnx::AttributeProto* to = cast_node.add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto::FLOAT);
    out->push_back(std::move(cast_node));
    std::string bias = w.bias_input;
    if (w.has_bias) {
      bias = editor_.FreshName(node.input(2) +
                               (FloatAttribute(node, "beta", 1) != 1 ? "_scaled" : "_bias"));
      RETURN_IF_ERROR(editor_.AddInitializer(w.bias, bias));
    }
    const std::string product =
        bias.empty() ? node.output(0) : editor_.FreshName(base + "_MatMul_output");
    out->push_back(NewNode("Mul", editor_.FreshName(base + "_rescale"), {cast, scales}, {product}));
    if (!bias.empty()) {
      out->push_back(
          NewNode("Add", editor_.FreshName(base + "_bias_add"), {product, bias}, {node.output(0)}));
    }
    return absl::OkStatus();
  }

  GraphEditor& editor_;
  QuantizeReport* report_;
  std::map<std::string, QuantizedNames> weights_;
  std::map<std::string, QuantizedNames> activations_;
};

}  // namespace

absl::StatusOr<QuantizeReport> QuantizeDynamic(onnx::ModelProto& model) {
  const int64_t opset = DefaultOpset(model);
  if (opset < 11) {
    return absl::InvalidArgumentError(absl::StrCat(
        "int8-dynamic needs opset 11 or later (DynamicQuantizeLinear); the model has opset ",
        opset));
  }
  RETURN_IF_ERROR(InlineConstants(model));
  QuantizeReport report;
  GraphEditor editor(*model.mutable_graph());
  DynamicRewriter rewriter(editor, &report);
  RETURN_IF_ERROR(rewriter.Rewrite());
  if (report.nodes.empty()) {
    return absl::InvalidArgumentError(
        "int8-dynamic found no MatMul or Gemm with a constant float weight to quantize");
  }
  return report;
}

}  // namespace berth::optimize
