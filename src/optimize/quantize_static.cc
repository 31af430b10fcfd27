// int8-static: the QDQ rewrite (quantize.h).
#include <map>
#include <set>
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

// A Conv, MatMul or Gemm whose weight (input 1) becomes int8.
struct WeightedNode {
  int index = 0;
  int axis = 0;       // the weight's output-channel axis
  bool bias = false;  // input 2 is a bias initializer to store as int32
};

// What the rewrite will do, decided before calibration.
struct StaticPlan {
  std::vector<WeightedNode> weighted;
  std::vector<std::string> activations;       // tensors to give Q -> DQ, in discovery order
  std::set<std::string> quantized;            // the same, as a set
  std::map<std::string, std::string> shares;  // tensor -> tensor whose parameters it reuses
};

bool IsDefault(const onnx::NodeProto& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

bool IsFloatInitializer(const GraphEditor& editor, const std::string& name, int rank_min,
                        int rank_max) {
  const onnx::TensorProto* t = editor.Initializer(name);
  return t != nullptr && t->data_type() == onnx::TensorProto::FLOAT && t->dims_size() >= rank_min &&
         t->dims_size() <= rank_max && t->data_location() != onnx::TensorProto::EXTERNAL;
}

// A Relu, or a Clip with constant bounds (Relu6), reading `tensor`: kept in float between a
// quantized node and the Q of its output (ONNX Runtime folds it into the quantization).
bool IsKeptActivation(const GraphEditor& editor, const onnx::NodeProto& node,
                      const std::string& tensor) {
  if (!IsDefault(node) || node.output_size() != 1 || node.input(0) != tensor) return false;
  if (node.op_type() == "Relu") return node.input_size() == 1;
  if (node.op_type() != "Clip") return false;
  for (int k = 1; k < node.input_size(); ++k) {
    if (!node.input(k).empty() && !editor.IsInitializer(node.input(k))) return false;
  }
  return true;
}

// The tensor that carries `node`'s quantized output: its only consumer's output when that
// consumer is a kept activation (IsKeptActivation: quantized after it), else the output
// itself. Empty when nothing reads it.
std::string QuantizedOutput(const GraphEditor& editor, const onnx::NodeProto& node) {
  const std::string& out = node.output(0);
  const std::vector<int>& consumers = editor.Consumers(out);
  if (consumers.size() == 1 && !editor.IsGraphOutput(out)) {
    const onnx::NodeProto& next = editor.graph().node(consumers[0]);
    if (IsKeptActivation(editor, next, out)) {
      return editor.Consumers(next.output(0)).empty() ? "" : next.output(0);
    }
  }
  return consumers.empty() ? "" : out;
}

void Quantize(StaticPlan& plan, const std::string& tensor, const std::string& share = "") {
  if (tensor.empty() || !plan.quantized.insert(tensor).second) return;
  plan.activations.push_back(tensor);
  if (!share.empty()) plan.shares[tensor] = share;
}

// The weighted-node form of `node`, if it can be quantized; otherwise the reason in `why`.
bool AsWeightedNode(const GraphEditor& editor, const onnx::NodeProto& node, int index,
                    WeightedNode* out, std::string* why) {
  out->index = index;
  const std::string& op = node.op_type();
  if (node.input_size() < 2 || node.output_size() < 1) {
    *why = "too few inputs";
    return false;
  }
  if (editor.IsInitializer(node.input(0))) {
    *why = "its data input is a constant";
    return false;
  }
  if (op == "Conv") {
    if (!IsFloatInitializer(editor, node.input(1), 3, 5)) {
      *why = "its weight is not a float initializer";
      return false;
    }
    out->axis = 0;
    out->bias = node.input_size() > 2 && IsFloatInitializer(editor, node.input(2), 1, 1);
    return true;
  }
  if (!IsFloatInitializer(editor, node.input(1), 2, 2)) {
    *why = "its B input is not a float initializer of rank 2";
    return false;
  }
  if (op == "MatMul") {
    out->axis = 1;
    return true;
  }
  // Gemm.
  if (IntAttribute(node, "transA", 0) != 0) {
    *why = "transA = 1";
    return false;
  }
  out->axis = IntAttribute(node, "transB", 0) != 0 ? 0 : 1;
  const onnx::TensorProto* w = editor.Initializer(node.input(1));
  out->bias = node.input_size() > 2 && FloatAttribute(node, "alpha", 1) == 1.0f &&
              FloatAttribute(node, "beta", 1) == 1.0f &&
              IsFloatInitializer(editor, node.input(2), 1, 1) &&
              editor.Initializer(node.input(2))->dims(0) == w->dims(out->axis);
  return true;
}

StaticPlan PlanStatic(const GraphEditor& editor, QuantizeReport* report) {
  StaticPlan plan;
  const onnx::GraphProto& graph = editor.graph();
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!IsDefault(node) || node.input_size() == 0 || node.output_size() == 0) continue;
    const std::string& op = node.op_type();
    if (op == "Conv" || op == "MatMul" || op == "Gemm") {
      WeightedNode weighted;
      std::string why;
      if (!AsWeightedNode(editor, node, i, &weighted, &why)) {
        report->skipped.push_back(absl::StrCat(NodeLabel(node, i), ": ", why));
        continue;
      }
      plan.weighted.push_back(weighted);
      Quantize(plan, node.input(0));
      Quantize(plan, QuantizedOutput(editor, node));
      ++report->nodes[op];
    } else if ((op == "MaxPool" || op == "Flatten" || op == "Reshape") && node.output_size() == 1 &&
               plan.quantized.count(node.input(0)) > 0) {
      if (!editor.Consumers(node.output(0)).empty()) {
        Quantize(plan, node.output(0), node.input(0));
        ++report->nodes[op];
      }
    } else if ((op == "GlobalAveragePool" || op == "AveragePool") &&
               plan.quantized.count(node.input(0)) > 0) {
      Quantize(plan, QuantizedOutput(editor, node));
      ++report->nodes[op];
    } else if (op == "Add" && node.input_size() == 2 && plan.quantized.count(node.input(0)) > 0 &&
               plan.quantized.count(node.input(1)) > 0) {
      Quantize(plan, QuantizedOutput(editor, node));
      ++report->nodes[op];
    }
  }
  return plan;
}

onnx::NodeProto MakeNode(const std::string& op, const std::string& name,
                         std::vector<std::string> inputs, const std::string& output) {
  onnx::NodeProto node;
  node.set_op_type(op);
  node.set_name(name);
  for (std::string& in : inputs) node.add_input(std::move(in));
  node.add_output(output);
  return node;
}

void SetAxis(onnx::NodeProto& node, int64_t axis) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(axis);
}

Tensor Scalar(float v) {
  Tensor t(DataType::kFloat, {});
  t.data<float>()[0] = v;
  return t;
}

Tensor ScalarU8(uint8_t v) {
  Tensor t(DataType::kUint8, {});
  t.data<uint8_t>()[0] = v;
  return t;
}

// Writes the rewrite: Q/DQ pairs, int8 weights, int32 biases.
class StaticRewriter {
 public:
  StaticRewriter(GraphEditor& editor, const StaticPlan& plan, QuantizeReport* report)
      : editor_(editor), plan_(plan), report_(report) {}

  absl::Status Rewrite(const std::map<std::string, TensorRange>& ranges) {
    RETURN_IF_ERROR(MakeActivationParams(ranges));
    onnx::GraphProto& graph = editor_.graph();
    // The dequantized name of each quantized tensor, and who reads it.
    std::map<int, std::vector<std::pair<int, std::string>>> renames;  // node -> (input, name)
    std::map<std::string, std::string> dq_names;
    for (const std::string& t : plan_.activations) {
      dq_names[t] = editor_.FreshName(t + "_DequantizeLinear_Output");
      for (int c : editor_.Consumers(t)) {
        const onnx::NodeProto& node = graph.node(c);
        for (int k = 0; k < node.input_size(); ++k) {
          if (node.input(k) == t) renames[c].push_back({k, dq_names[t]});
        }
      }
    }
    std::vector<onnx::NodeProto> prefix;
    for (const WeightedNode& w : plan_.weighted) RETURN_IF_ERROR(QuantizeWeights(w, &prefix));
    for (const std::string& t : plan_.activations) {
      if (editor_.IsGraphInput(t)) AppendQdq(t, dq_names[t], &prefix);
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (onnx::NodeProto& node : prefix) *nodes.Add() = std::move(node);
    for (int i = 0; i < graph.node_size(); ++i) {
      onnx::NodeProto node = graph.node(i);
      for (const auto& [k, name] : renames[i]) node.set_input(k, name);
      auto it = weight_inputs_.find(i);
      if (it != weight_inputs_.end()) {
        for (const auto& [k, name] : it->second) node.set_input(k, name);
      }
      std::vector<onnx::NodeProto> after;
      for (const std::string& out : node.output()) {
        if (plan_.quantized.count(out) > 0) AppendQdq(out, dq_names[out], &after);
      }
      *nodes.Add() = std::move(node);
      for (onnx::NodeProto& n : after) *nodes.Add() = std::move(n);
    }
    graph.mutable_node()->Swap(&nodes);
    report_->activations = static_cast<int64_t>(plan_.activations.size());
    editor_.RemoveUnusedInitializers();
    return absl::OkStatus();
  }

 private:
  struct ParamNames {
    std::string scale;
    std::string zero_point;
    ActivationParams value;
  };

  absl::Status MakeActivationParams(const std::map<std::string, TensorRange>& ranges) {
    for (const std::string& t : plan_.activations) {
      if (plan_.shares.count(t) > 0) continue;
      auto it = ranges.find(t);
      if (it == ranges.end()) {
        return absl::InternalError(absl::StrCat("tensor '", t, "' was not calibrated"));
      }
      absl::StatusOr<ActivationParams> p = ComputeActivationParams(it->second);
      if (!p.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor '", t, "': calibrated ", p.status().message()));
      }
      ParamNames names{editor_.FreshName(t + "_scale"), editor_.FreshName(t + "_zero_point"), *p};
      RETURN_IF_ERROR(editor_.AddInitializer(Scalar(p->scale), names.scale));
      RETURN_IF_ERROR(editor_.AddInitializer(ScalarU8(p->zero_point), names.zero_point));
      params_[t] = names;
    }
    for (const std::string& t : plan_.activations) {  // shares point at earlier tensors
      std::string source = t;
      while (plan_.shares.count(source) > 0) source = plan_.shares.at(source);
      params_[t] = params_.at(source);
    }
    return absl::OkStatus();
  }

  void AppendQdq(const std::string& t, const std::string& dq_name,
                 std::vector<onnx::NodeProto>* out) {
    const ParamNames& p = params_.at(t);
    const std::string q_out = editor_.FreshName(t + "_QuantizeLinear_Output");
    out->push_back(MakeNode("QuantizeLinear", editor_.FreshName(t + "_QuantizeLinear"),
                            {t, p.scale, p.zero_point}, q_out));
    out->push_back(MakeNode("DequantizeLinear", editor_.FreshName(t + "_DequantizeLinear"),
                            {q_out, p.scale, p.zero_point}, dq_name));
  }

  // A DequantizeLinear of an int8/int32 constant: values, scales, zero points as initializers.
  absl::StatusOr<std::string> AddDequantized(const std::string& base, const Tensor& values,
                                             const Tensor& scales, const Tensor& zero_points,
                                             int axis, std::vector<onnx::NodeProto>* out) {
    const std::string q = editor_.FreshName(base + "_quantized");
    const std::string s = editor_.FreshName(base + "_scale");
    const std::string z = editor_.FreshName(base + "_zero_point");
    RETURN_IF_ERROR(editor_.AddInitializer(values, q));
    RETURN_IF_ERROR(editor_.AddInitializer(scales, s));
    RETURN_IF_ERROR(editor_.AddInitializer(zero_points, z));
    const std::string dq = editor_.FreshName(base + "_DequantizeLinear_Output");
    onnx::NodeProto node =
        MakeNode("DequantizeLinear", editor_.FreshName(base + "_DequantizeLinear"), {q, s, z}, dq);
    if (scales.rank() == 1) SetAxis(node, axis);
    out->push_back(std::move(node));
    return dq;
  }

  absl::Status QuantizeWeights(const WeightedNode& w, std::vector<onnx::NodeProto>* prefix) {
    const onnx::NodeProto& node = editor_.graph().node(w.index);
    const std::string& weight = node.input(1);
    const std::string key = absl::StrCat(weight, "#", w.axis);
    auto done = weights_.find(key);
    if (done == weights_.end()) {
      ASSIGN_OR_RETURN(Tensor tensor, editor_.InitializerTensor(weight));
      absl::StatusOr<QuantizedWeight> q = QuantizeWeightSymmetric(tensor, w.axis);
      if (!q.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(NodeLabel(node, w.index), " weight '",
                                                       weight, "': ", q.status().message()));
      }
      ASSIGN_OR_RETURN(std::string dq, AddDequantized(weight, q->values, q->scales, q->zero_points,
                                                      w.axis, prefix));
      done = weights_.emplace(key, std::make_pair(dq, std::move(q->scales))).first;
      ++report_->weights;
    }
    weight_inputs_[w.index].push_back({1, done->second.first});
    if (!w.bias) return absl::OkStatus();
    const std::string& bias = node.input(2);
    ASSIGN_OR_RETURN(Tensor b, editor_.InitializerTensor(bias));
    const float input_scale = params_.at(node.input(0)).value.scale;
    absl::StatusOr<QuantizedBias> q = QuantizeBias(b, input_scale, done->second.second);
    if (!q.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(NodeLabel(node, w.index), " bias '", bias, "': ", q.status().message()));
    }
    ASSIGN_OR_RETURN(std::string dq,
                     AddDequantized(bias, q->values, q->scales, q->zero_points, 0, prefix));
    weight_inputs_[w.index].push_back({2, dq});
    ++report_->biases;
    report_->biases_clamped += q->clamped;
    return absl::OkStatus();
  }

  GraphEditor& editor_;
  const StaticPlan& plan_;
  QuantizeReport* report_;
  std::map<std::string, ParamNames> params_;
  // weight#axis -> (its DequantizeLinear output, its scales)
  std::map<std::string, std::pair<std::string, Tensor>> weights_;
  std::map<int, std::vector<std::pair<int, std::string>>> weight_inputs_;
};

}  // namespace

absl::StatusOr<QuantizeReport> QuantizeStatic(onnx::ModelProto& model,
                                              const std::vector<dataset::NamedTensor>& calibration,
                                              const CalibrationOptions& options) {
  const int64_t opset = DefaultOpset(model);
  if (opset < 13) {
    return absl::InvalidArgumentError(absl::StrCat(
        "int8-static needs opset 13 or later (per-channel DequantizeLinear); the model has opset ",
        opset));
  }
  RETURN_IF_ERROR(InlineConstants(model));
  QuantizeReport report;
  GraphEditor editor(*model.mutable_graph());
  const StaticPlan plan = PlanStatic(editor, &report);
  if (plan.weighted.empty()) {
    return absl::InvalidArgumentError(
        "int8-static found no Conv, MatMul or Gemm with a constant float weight to quantize");
  }
  std::vector<std::string> calibrate;
  for (const std::string& t : plan.activations) {
    if (plan.shares.count(t) == 0) calibrate.push_back(t);
  }
  ASSIGN_OR_RETURN(auto ranges, CollectRanges(model, calibrate, calibration, options));
  StaticRewriter rewriter(editor, plan, &report);
  RETURN_IF_ERROR(rewriter.Rewrite(ranges));
  return report;
}

}  // namespace berth::optimize
