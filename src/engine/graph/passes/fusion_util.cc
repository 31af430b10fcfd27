#include "engine/graph/passes/fusion_util.h"

#include <algorithm>

#include "engine/graph/passes/graph_edit.h"

namespace berth::engine {

GraphIndex::GraphIndex(const Graph& graph) : graph_(graph) {
  graph_outputs_ = GraphOutputNames(graph);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    for (const std::string& out : node.outputs) {
      if (!out.empty()) producer_[out] = static_cast<int>(i);
    }
    for (const std::string& in : node.inputs) {
      if (!in.empty()) readers_[in].push_back(static_cast<int>(i));
    }
    for (const auto& [name, attr] : node.attributes) {
      if (!attr.g) continue;
      for (const std::string& outer : attr.g->outer_scope_names) readers_[outer].push_back(-1);
    }
  }
}

int GraphIndex::Producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? -1 : it->second;
}

const std::vector<int>& GraphIndex::Readers(const std::string& value) const {
  static const std::vector<int> kNone;
  auto it = readers_.find(value);
  return it == readers_.end() ? kNone : it->second;
}

int GraphIndex::SoleReader(const std::string& value) const {
  const std::vector<int>& r = Readers(value);
  if (r.size() != 1 || IsGraphOutput(value)) return -1;
  return r[0];
}

bool GraphIndex::OnlyReadBy(const std::string& value, const std::set<int>& nodes) const {
  if (IsGraphOutput(value)) return false;
  for (int r : Readers(value)) {
    if (!nodes.count(r)) return false;
  }
  return true;
}

const Tensor* GraphIndex::Constant(const std::string& value) const {
  auto it = graph_.initializers.find(value);
  return it == graph_.initializers.end() ? nullptr : it->second.get();
}

std::optional<float> GraphIndex::ScalarFloat(const std::string& value) const {
  const Tensor* t = Constant(value);
  if (t == nullptr || t->dtype() != DataType::kFloat || t->num_elements() != 1) {
    return std::nullopt;
  }
  return t->data<float>()[0];
}

NameGenerator::NameGenerator(const Graph& graph) {
  for (const ValueInfo& v : graph.inputs) used_.insert(v.name);
  for (const ValueInfo& v : graph.outputs) used_.insert(v.name);
  for (const auto& [name, t] : graph.initializers) used_.insert(name);
  for (const auto& [name, v] : graph.value_infos) used_.insert(name);
  for (const Node& node : graph.nodes) {
    used_.insert(node.inputs.begin(), node.inputs.end());
    used_.insert(node.outputs.begin(), node.outputs.end());
  }
}

std::string NameGenerator::Make(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

int ApplyRewrites(Graph& graph, std::vector<Rewrite> rewrites) {
  if (rewrites.empty()) return 0;
  std::vector<bool> dead(graph.nodes.size(), false);
  for (Rewrite& r : rewrites) {
    graph.nodes[r.at] = std::move(r.node);
    for (int e : r.erase) dead[e] = true;
  }
  EraseNodes(graph, dead);
  return static_cast<int>(rewrites.size());
}

bool HasKernel(const KernelRegistry& registry, const std::string& domain,
               const std::string& op_type, int64_t opset, DataType type) {
  if (opset < 0) return false;
  // Every input of the given type, whichever input selects the kernel.
  std::vector<DataType> types(8, type);
  return registry.Find(domain, op_type, static_cast<int>(opset), types).ok();
}

int64_t OpsetOf(const std::map<std::string, int64_t>& opsets, const std::string& domain) {
  auto it = opsets.find(domain);
  return it == opsets.end() ? -1 : it->second;
}

std::string FusedNodeName(const Node& anchor) {
  if (!anchor.name.empty()) return anchor.name;
  for (const std::string& out : anchor.outputs) {
    if (!out.empty()) return anchor.op_type + "_" + out;
  }
  return anchor.op_type;
}

std::optional<std::vector<int64_t>> TransposePerm(const Node& node) {
  if (!IsOp(node, "Transpose") || node.inputs.size() != 1 || node.outputs.size() != 1 ||
      node.inputs[0].empty()) {
    return std::nullopt;
  }
  const Attribute* a = node.FindAttribute("perm");
  if (a == nullptr || a->type != Attribute::Type::kInts) return std::nullopt;
  std::vector<bool> seen(a->ints.size(), false);
  for (int64_t p : a->ints) {
    if (p < 0 || p >= static_cast<int64_t>(seen.size()) || seen[p]) return std::nullopt;
    seen[p] = true;
  }
  return a->ints;
}

int64_t IntAttrOr(const Node& node, const std::string& name, int64_t fallback) {
  const Attribute* a = node.FindAttribute(name);
  return a != nullptr && a->type == Attribute::Type::kInt ? a->i : fallback;
}

float FloatAttrOr(const Node& node, const std::string& name, float fallback) {
  const Attribute* a = node.FindAttribute(name);
  return a != nullptr && a->type == Attribute::Type::kFloat ? a->f : fallback;
}

Attribute FloatAttribute(float f) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = f;
  return a;
}

Attribute IntAttribute(int64_t i) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = i;
  return a;
}

Attribute StringAttribute(const std::string& s) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = s;
  return a;
}

Attribute IntsAttribute(std::vector<int64_t> ints) {
  Attribute a;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(ints);
  return a;
}

Node MakeTranspose(const std::string& name, const std::string& in, const std::string& out,
                   std::vector<int64_t> perm) {
  Node t;
  t.name = name;
  t.op_type = "Transpose";
  t.inputs = {in};
  t.outputs = {out};
  t.attributes["perm"] = IntsAttribute(std::move(perm));
  return t;
}

}  // namespace berth::engine
