// Channels-last layout for convolution networks. oneDNN's direct convolutions and pooling
// run on N, spatial..., C activations; handing them ONNX's N, C, spatial... costs a reorder
// into and out of every convolution, which was a third of ResNet-50's time. This pass:
//  1. makes every Conv or FusedConv with constant float weights a FusedConv with
//     channels_last=1, reading X (and Sum) through Transpose(to channels-last) and giving Y
//     back through Transpose(to channels-first);
//  2. pushes each Transpose to channels-first down through what does not care about the
//     layout: the pools (which become their channels-last berth forms), unary element-wise
//     ops, binary element-wise ops whose operands both arrive channels-last (or one is a
//     scalar constant), and Concats of channels-last inputs (the axis moves with the data).
// FuseTransposes, run after, cancels every to-channels-first Transpose followed by a
// to-channels-last one, so Transposes remain only where the graph enters and leaves the
// channels-last region. Only values this pass made channels-last are followed, so their type
// is known to be float.
#include <map>
#include <set>

#include "engine/core/channels_last.h"
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/optimize.h"

namespace berth::engine {
namespace {

const std::set<std::string>& UnaryElementwise() {
  static const std::set<std::string> ops = {
      "Relu", "LeakyRelu", "Elu",   "Selu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
      "Clip", "Softplus",  "Abs",   "Neg",  "Exp",     "Sqrt",        "Erf",       "Identity"};
  return ops;
}

const std::set<std::string>& BinaryElementwise() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div"};
  return ops;
}

// Where axis `axis` of a channels-first tensor of rank `rank` lands once channels-last.
int64_t ChannelsLastAxis(int64_t axis, int rank) {
  const std::vector<int64_t> perm = ToChannelsLastPerm(rank);
  for (int i = 0; i < rank; ++i) {
    if (perm[i] == axis) return i;
  }
  return axis;
}

class ChannelsLastPass {
 public:
  ChannelsLastPass(Graph& graph, const KernelRegistry& registry)
      : graph_(graph), registry_(registry), names_(graph) {}

  int Run() {
    if (!HasKernel(registry_, kBerthDomain, "FusedConv", 1, DataType::kFloat)) return 0;
    int changed = ConvertConvs();
    if (changed == 0) return 0;
    while (int sunk = SinkOne()) changed += sunk;
    return changed;
  }

 private:
  // The rank of the weights when `node` is a convolution this pass converts, else 0.
  int ConvertibleConvRank(const GraphIndex& index, const Node& node) const {
    const bool conv = IsOp(node, "Conv");
    const bool fused = node.domain == kBerthDomain && node.op_type == "FusedConv" &&
                       IntAttrOr(node, "channels_last", 0) == 0;
    if ((!conv && !fused) || node.inputs.size() < 2 || node.inputs[0].empty() ||
        node.outputs.size() != 1) {
      return 0;
    }
    const Tensor* w = index.Constant(node.inputs[1]);
    if (w == nullptr || w->dtype() != DataType::kFloat || w->rank() < 3 || w->rank() > 5) return 0;
    return w->rank();
  }

  int ConvertConvs() {
    GraphIndex index(graph_);
    std::vector<Node> nodes;
    std::map<std::string, std::string> transposed;  // value -> its channels-last copy
    int converted = 0;
    for (Node& node : graph_.nodes) {
      const int rank = ConvertibleConvRank(index, node);
      if (rank == 0) {
        nodes.push_back(std::move(node));
        continue;
      }
      // X and the residual Sum (input 3) enter channels-last, through one Transpose per value
      // however many convolutions read it.
      for (size_t i : {size_t{0}, size_t{3}}) {
        if (i >= node.inputs.size() || node.inputs[i].empty()) continue;
        auto [it, added] = transposed.emplace(node.inputs[i], "");
        if (added) {
          it->second = names_.Make(node.inputs[i] + "_nhwc");
          nodes.push_back(MakeTranspose(FusedNodeName(node) + "_to_nhwc", node.inputs[i],
                                        it->second, ToChannelsLastPerm(rank)));
        }
        node.inputs[i] = it->second;
      }
      const std::string y = node.outputs[0];
      node.outputs[0] = names_.Make(y + "_nhwc");
      node.domain = kBerthDomain;
      node.op_type = "FusedConv";
      node.attributes["channels_last"] = IntAttribute(1);
      Node back = MakeTranspose(FusedNodeName(node) + "_to_nchw", node.outputs[0], y,
                                ToChannelsFirstPerm(rank));
      channels_last_values_.insert(node.outputs[0]);
      nodes.push_back(std::move(node));
      nodes.push_back(std::move(back));
      ++converted;
    }
    graph_.nodes = std::move(nodes);
    return converted;
  }

  // The channels-last value behind `value` when `value` is a Transpose to channels-first of
  // a value this pass made channels-last; empty otherwise. Sets `rank`.
  std::string ChannelsLastSource(const GraphIndex& index, const std::string& value,
                                 int* rank) const {
    const int p = index.Producer(value);
    if (p < 0) return "";
    const Node& t = index.node(p);
    const std::optional<std::vector<int64_t>> perm = TransposePerm(t);
    if (!perm || !channels_last_values_.count(t.inputs[0])) return "";
    const int r = static_cast<int>(perm->size());
    if (r < 3 || *perm != ToChannelsFirstPerm(r)) return "";
    *rank = r;
    return t.inputs[0];
  }

  // What `node` becomes when its inputs arrive channels-last: kNone, an element-wise op that
  // stays as it is, a Concat along the moved axis, or a pool that switches to its berth form.
  enum class Sink { kNone, kElementwise, kConcat, kPool };
  Sink SinkKind(const Node& node) const {
    if (node.domain.empty() && (UnaryElementwise().count(node.op_type) ||
                                BinaryElementwise().count(node.op_type))) {
      return node.outputs.size() == 1 ? Sink::kElementwise : Sink::kNone;
    }
    if (IsOp(node, "Concat")) {
      return node.outputs.size() == 1 && !node.inputs.empty() ? Sink::kConcat : Sink::kNone;
    }
    const bool windowed = IsOp(node, "MaxPool") || IsOp(node, "AveragePool");
    const bool global = IsOp(node, "GlobalAveragePool") || IsOp(node, "GlobalMaxPool");
    if (!windowed && !global) return Sink::kNone;
    if (!HasKernel(registry_, kBerthDomain, node.op_type, 1, DataType::kFloat)) return Sink::kNone;
    if (windowed && !PoolRunsChannelsLast(node)) return Sink::kNone;
    return node.inputs.size() == 1 ? Sink::kPool : Sink::kNone;
  }

  // The channels-last operands of `node` (same count as its inputs) if every data input
  // arrives channels-last at one rank (a binary op may instead take a one-element constant
  // of no higher rank, and Clip's bounds are scalars by definition; every Concat input must
  // arrive channels-last); empty otherwise.
  std::vector<std::string> ChannelsLastOperands(const GraphIndex& index, const Node& node,
                                                int* rank) const {
    std::vector<std::string> operands = node.inputs;
    const bool binary = BinaryElementwise().count(node.op_type) > 0;
    const bool concat = IsOp(node, "Concat");
    const size_t data_inputs = concat ? node.inputs.size() : binary ? 2 : 1;
    if (node.inputs.size() < data_inputs || (binary && node.inputs.size() != 2)) return {};
    *rank = 0;
    int moved = 0;
    for (size_t i = 0; i < data_inputs; ++i) {
      int r = 0;
      std::string source = ChannelsLastSource(index, node.inputs[i], &r);
      if (source.empty()) continue;
      if (*rank != 0 && r != *rank) return {};
      *rank = r;
      operands[i] = source;
      ++moved;
    }
    if (moved == 0 || (concat && moved != static_cast<int>(data_inputs))) return {};
    for (size_t i = 0; i < data_inputs; ++i) {
      if (operands[i] != node.inputs[i]) continue;
      const Tensor* c = index.Constant(node.inputs[i]);
      if (c == nullptr || c->num_elements() != 1 || c->rank() > *rank) return {};
    }
    return operands;
  }

  // Moves one Transpose to channels-first below the node reading it; returns 1, or 0 when no
  // node qualifies.
  int SinkOne() {
    GraphIndex index(graph_);
    for (size_t k = 0; k < graph_.nodes.size(); ++k) {
      const Sink kind = SinkKind(graph_.nodes[k]);
      if (kind == Sink::kNone) continue;
      int rank = 0;
      std::vector<std::string> operands = ChannelsLastOperands(index, graph_.nodes[k], &rank);
      if (operands.empty()) continue;
      Node& node = graph_.nodes[k];
      // Concat-1 defaults to axis 1; later opsets require the attribute.
      int64_t axis = IntAttrOr(node, "axis", 1);
      if (kind == Sink::kConcat && (axis < -rank || axis >= rank)) continue;  // kernel refuses
      node.inputs = std::move(operands);
      if (kind == Sink::kPool) {
        node.domain = kBerthDomain;
        node.attributes["channels_last"] = IntAttribute(1);
      }
      if (kind == Sink::kConcat) {
        if (axis < 0) axis += rank;
        node.attributes["axis"] = IntAttribute(ChannelsLastAxis(axis, rank));
      }
      const std::string y = node.outputs[0];
      node.outputs[0] = names_.Make(y + "_nhwc");
      channels_last_values_.insert(node.outputs[0]);
      Node back = MakeTranspose(FusedNodeName(node) + "_to_nchw", node.outputs[0], y,
                                ToChannelsFirstPerm(rank));
      graph_.nodes.insert(graph_.nodes.begin() + static_cast<std::ptrdiff_t>(k) + 1,
                          std::move(back));
      return 1;
    }
    return 0;
  }

  Graph& graph_;
  const KernelRegistry& registry_;
  NameGenerator names_;
  std::set<std::string> channels_last_values_;  // float, produced channels-last by this pass
};

}  // namespace

bool PoolRunsChannelsLast(const Node& node) {
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) return false;
  if (node.op_type == "AveragePool" && IntAttrOr(node, "count_include_pad", 0) != 0 &&
      IntAttrOr(node, "ceil_mode", 0) != 0) {
    return false;
  }
  const Attribute* kernel = node.FindAttribute("kernel_shape");
  if (kernel == nullptr || kernel->type != Attribute::Type::kInts) return false;
  const Attribute* pads = node.FindAttribute("pads");
  if (pads == nullptr) return true;
  const Attribute* dilations = node.FindAttribute("dilations");
  const size_t n = kernel->ints.size();
  if (pads->ints.size() != 2 * n || (dilations != nullptr && dilations->ints.size() != n)) {
    return false;
  }
  for (size_t i = 0; i < 2 * n; ++i) {
    const int64_t d = dilations != nullptr ? dilations->ints[i % n] : 1;
    if (pads->ints[i] >= (kernel->ints[i % n] - 1) * d + 1) return false;
  }
  return true;
}

int ConvertToChannelsLast(Graph& graph, const KernelRegistry& registry) {
  return ChannelsLastPass(graph, registry).Run();
}

}  // namespace berth::engine
