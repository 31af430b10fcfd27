#include "optimize/model_edit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/format/tensor_proto.h"

namespace berth::optimize {

int64_t DefaultOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return 0;
}

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  if (node.name().empty()) return absl::StrCat(node.op_type(), " #", index);
  return absl::StrCat(node.op_type(), " '", node.name(), "'");
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return fallback;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.f();
  }
  return fallback;
}

void CollectSubgraphInputs(const onnx::GraphProto& graph, std::set<std::string>* names) {
  for (const onnx::NodeProto& node : graph.node()) {
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.has_g()) {
        for (const onnx::NodeProto& inner : a.g().node()) {
          names->insert(inner.input().begin(), inner.input().end());
        }
        CollectSubgraphInputs(a.g(), names);
      }
      for (const onnx::GraphProto& g : a.graphs()) {
        for (const onnx::NodeProto& inner : g.node()) {
          names->insert(inner.input().begin(), inner.input().end());
        }
        CollectSubgraphInputs(g, names);
      }
    }
  }
}

std::set<std::string> SubgraphInputs(const onnx::GraphProto& graph) {
  std::set<std::string> names;
  CollectSubgraphInputs(graph, &names);
  return names;
}

absl::Status InlineConstants(onnx::ModelProto& model) {
  onnx::GraphProto& graph = *model.mutable_graph();
  // Values the bodies of If / Loop / Scan read from this graph keep their names.
  const std::set<std::string> outer_scope = SubgraphInputs(graph);
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
  std::set<std::string> graph_outputs;
  for (const onnx::ValueInfoProto& v : graph.output()) graph_outputs.insert(v.name());
  std::map<std::string, std::string> renamed;  // Identity output -> the initializer it copies
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    for (std::string& input : *node.mutable_input()) {
      auto it = renamed.find(input);
      if (it != renamed.end()) input = it->second;
    }
    if (node.op_type() == "Constant" && node.domain().empty() && node.output_size() == 1 &&
        node.attribute_size() == 1 && node.attribute(0).name() == "value" &&
        node.attribute(0).has_t()) {
      onnx::TensorProto* t = graph.add_initializer();
      *t = node.attribute(0).t();
      t->set_name(node.output(0));
      initializers.insert(node.output(0));
      continue;
    }
    if (node.op_type() == "Identity" && node.domain().empty() && node.input_size() == 1 &&
        node.output_size() == 1 && initializers.count(node.input(0)) > 0 &&
        graph_outputs.count(node.output(0)) == 0 && outer_scope.count(node.output(0)) == 0) {
      renamed[node.output(0)] = node.input(0);
      continue;
    }
    *kept.Add() = std::move(node);
  }
  graph.mutable_node()->Swap(&kept);
  return absl::OkStatus();
}

GraphEditor::GraphEditor(onnx::GraphProto& graph) : graph_(graph) {
  for (int i = 0; i < graph.initializer_size(); ++i) {
    initializers_[graph.initializer(i).name()] = i;
    names_.insert(graph.initializer(i).name());
  }
  for (const onnx::ValueInfoProto& v : graph.input()) {
    inputs_.insert(v.name());
    names_.insert(v.name());
  }
  for (const onnx::ValueInfoProto& v : graph.output()) {
    outputs_.insert(v.name());
    names_.insert(v.name());
  }
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!node.name().empty()) names_.insert(node.name());
    for (const std::string& in : node.input()) {
      if (in.empty()) continue;
      std::vector<int>& c = consumers_[in];
      if (c.empty() || c.back() != i) c.push_back(i);
    }
    for (const std::string& out : node.output()) {
      if (out.empty()) continue;
      producers_[out] = i;
      names_.insert(out);
    }
  }
}

const onnx::TensorProto* GraphEditor::Initializer(const std::string& name) const {
  auto it = initializers_.find(name);
  return it == initializers_.end() ? nullptr : &graph_.initializer(it->second);
}

bool GraphEditor::IsGraphInput(const std::string& name) const {
  return inputs_.count(name) > 0 && initializers_.count(name) == 0;
}

absl::StatusOr<engine::Tensor> GraphEditor::InitializerTensor(const std::string& name) const {
  const onnx::TensorProto* proto = Initializer(name);
  if (proto == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no initializer named '", name, "'"));
  }
  absl::StatusOr<engine::Tensor> tensor = engine::TensorFromProto(*proto);
  if (!tensor.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("initializer '", name, "': ", tensor.status().message()));
  }
  return tensor;
}

absl::Status GraphEditor::AddInitializer(const engine::Tensor& tensor, const std::string& name) {
  if (initializers_.count(name) > 0) {
    return absl::InternalError(absl::StrCat("initializer '", name, "' exists already"));
  }
  onnx::TensorProto* proto = graph_.add_initializer();
  RETURN_IF_ERROR(engine::TensorToProto(tensor, name, proto));
  initializers_[name] = graph_.initializer_size() - 1;
  names_.insert(name);
  return absl::OkStatus();
}

std::string GraphEditor::FreshName(const std::string& base) {
  std::string name = base;
  for (int i = 1; names_.count(name) > 0; ++i) name = absl::StrCat(base, "_", i);
  names_.insert(name);
  return name;
}

const std::vector<int>& GraphEditor::Consumers(const std::string& tensor) const {
  static const std::vector<int> kNone;
  auto it = consumers_.find(tensor);
  return it == consumers_.end() ? kNone : it->second;
}

int GraphEditor::Producer(const std::string& tensor) const {
  auto it = producers_.find(tensor);
  return it == producers_.end() ? -1 : it->second;
}

int64_t GraphEditor::RemoveUnusedInitializers() {
  std::set<std::string> used = SubgraphInputs(graph_);
  used.insert(outputs_.begin(), outputs_.end());
  for (const onnx::NodeProto& node : graph_.node()) {
    for (const std::string& in : node.input()) used.insert(in);
  }
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  int64_t removed = 0;
  for (onnx::TensorProto& t : *graph_.mutable_initializer()) {
    if (used.count(t.name()) == 0 && inputs_.count(t.name()) == 0) {
      ++removed;
      continue;
    }
    *kept.Add() = std::move(t);
  }
  graph_.mutable_initializer()->Swap(&kept);
  initializers_.clear();
  for (int i = 0; i < graph_.initializer_size(); ++i)
    initializers_[graph_.initializer(i).name()] = i;
  return removed;
}

int64_t InitializerBytes(const onnx::GraphProto& graph) {
  int64_t bytes = 0;
  for (const onnx::TensorProto& t : graph.initializer()) bytes += t.ByteSizeLong();
  return bytes;
}

}  // namespace berth::optimize
