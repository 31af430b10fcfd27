#include "optimize/channel_prune.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "optimize/model_edit.h"  // IntAttribute
#include "optimize/prune_graph.h"

namespace berth::optimize::prune_internal {

namespace {

// Deepest chain of per-channel operators followed from a convolution (a bound on the walk).
constexpr int kMaxTraceDepth = 64;

// Operators that map each channel to itself, element by element, with one data input.
const std::set<std::string>& UnaryChannelOps() {
  static const std::set<std::string>* const kOps = new std::set<std::string>{
      "Relu", "LeakyRelu", "Clip",     "Sigmoid",  "HardSigmoid", "HardSwish", "Tanh",   "Elu",
      "Selu", "Celu",      "Softplus", "Softsign", "Mish",        "Identity",  "Dropout"};
  return *kOps;
}

// Pools keep channels apart.
const std::set<std::string>& PoolOps() {
  static const std::set<std::string>* const kOps = new std::set<std::string>{
      "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"};
  return *kOps;
}

// A change to one constant node input: keep, along `axis`, the blocks of `block` entries that
// belong to the kept channels.
struct SliceEdit {
  int node = 0;
  int input = 0;
  int axis = 0;
  int64_t block = 1;
};

// Everything that changes when one convolution loses output channels.
struct Plan {
  std::vector<SliceEdit> slices;
  std::vector<int> depthwise;       // depthwise convolutions whose group becomes the kept count
  std::vector<std::string> values;  // values whose channel count changes
};

absl::Status CannotPrune(const std::string& why) { return absl::FailedPreconditionError(why); }

bool OutputUsed(const GraphIndex& index, const onnx::NodeProto& node, int output) {
  if (output >= node.output_size() || node.output(output).empty()) return false;
  return !index.Uses(node.output(output)).empty() || index.IsGraphOutput(node.output(output));
}

// Follows one convolution's output through the operators it can rewrite, building its Plan;
// FailedPrecondition saying why when the output reaches something it cannot rewrite.
class Tracer {
 public:
  Tracer(const GraphIndex& index, int64_t channels) : index_(index), channels_(channels) {}

  absl::Status Value(const std::string& name, int depth) {
    if (depth > kMaxTraceDepth) {
      return CannotPrune(absl::StrCat("more than ", kMaxTraceDepth, " operators deep"));
    }
    if (index_.IsGraphOutput(name)) {
      return CannotPrune(absl::StrCat("'", name, "' is a graph output"));
    }
    if (index_.ReadBySubgraph(name)) {
      return CannotPrune(absl::StrCat("'", name, "' is read inside a subgraph"));
    }
    plan_.values.push_back(name);
    for (const Use& use : index_.Uses(name)) RETURN_IF_ERROR(Consumer(use, depth));
    return absl::OkStatus();
  }

  const Plan& plan() const { return plan_; }

 private:
  const onnx::NodeProto& node(int n) const { return index_.graph().node(n); }

  absl::Status Consumer(const Use& use, int depth) {
    const onnx::NodeProto& n = node(use.node);
    const std::string& op = n.op_type();
    if (n.output_size() == 0 || n.output(0).empty()) {
      return CannotPrune(absl::StrCat("feeds ", op, " ", NodeLabel(n), " without an output"));
    }
    const bool per_channel = UnaryChannelOps().count(op) > 0 || PoolOps().count(op) > 0;
    const bool rewritable =
        per_channel || op == "BatchNormalization" || op == "Conv" || op == "Flatten";
    if (!n.domain().empty() || !rewritable) {
      return CannotPrune(absl::StrCat("feeds ", op, " ", NodeLabel(n)));
    }
    if (use.input != 0) {
      return CannotPrune(absl::StrCat("feeds input ", use.input, " of ", op, " ", NodeLabel(n)));
    }
    if (per_channel) {
      for (int out = 1; out < n.output_size(); ++out) {
        if (OutputUsed(index_, n, out)) {
          return CannotPrune(
              absl::StrCat("feeds ", op, " ", NodeLabel(n), " whose second output is used"));
        }
      }
      return Value(n.output(0), depth + 1);
    }
    if (op == "BatchNormalization") return BatchNorm(use.node, depth);
    if (op == "Conv") return Conv(use.node, depth);
    return Flatten(use.node);
  }

  // True when input `input` of node `n` is a constant float tensor of `rank` dims (any rank
  // of at least 3 when rank is 0) whose dim `axis` is `length`.
  bool ConstantWith(int n, int input, int rank, int axis, int64_t length) const {
    const onnx::TensorProto* t = index_.NodeConstant(n, input);
    if (t == nullptr || t->data_type() != onnx::TensorProto::FLOAT) return false;
    const int dims = t->dims_size();
    if (rank > 0 ? dims != rank : dims < 3) return false;
    return t->dims(axis) == length;
  }

  absl::Status BatchNorm(int n, int depth) {
    for (int out = 1; out < node(n).output_size(); ++out) {
      if (OutputUsed(index_, node(n), out)) {
        return CannotPrune(
            absl::StrCat("feeds BatchNormalization ", NodeLabel(node(n)), " in training mode"));
      }
    }
    for (int input = 1; input <= 4; ++input) {
      if (!ConstantWith(n, input, 1, 0, channels_)) {
        return CannotPrune(absl::StrCat("BatchNormalization ", NodeLabel(node(n)), " input ", input,
                                        " is not a constant float [", channels_, "]"));
      }
      plan_.slices.push_back(SliceEdit{n, input, 0, 1});
    }
    return Value(node(n).output(0), depth + 1);
  }

  absl::Status Conv(int n, int depth) {
    const int64_t group = IntAttribute(node(n), "group", 1);
    if (group == 1 && ConstantWith(n, 1, 0, 1, channels_)) {
      plan_.slices.push_back(SliceEdit{n, 1, 1, 1});
      return absl::OkStatus();
    }
    const bool has_bias = node(n).input_size() > 2 && !node(n).input(2).empty();
    if (group == channels_ && ConstantWith(n, 1, 0, 0, channels_) &&
        index_.NodeConstant(n, 1)->dims(1) == 1 &&
        (!has_bias || ConstantWith(n, 2, 1, 0, channels_))) {
      plan_.slices.push_back(SliceEdit{n, 1, 0, 1});
      if (has_bias) plan_.slices.push_back(SliceEdit{n, 2, 0, 1});
      plan_.depthwise.push_back(n);
      return Value(node(n).output(0), depth + 1);
    }
    return CannotPrune(absl::StrCat("feeds Conv ", NodeLabel(node(n)), " with group ", group,
                                    " or a weight that is not a constant float with ", channels_,
                                    " input channels"));
  }

  // Flatten(axis 1) of [N, C, spatial...] -> [N, C * S]: its readers' weights lose blocks of
  // S rows (Gemm transB 0, MatMul) or columns (Gemm transB 1).
  absl::Status Flatten(int n) {
    const std::string& out = node(n).output(0);
    if (IntAttribute(node(n), "axis", 1) != 1) {
      return CannotPrune(absl::StrCat("feeds Flatten ", NodeLabel(node(n)), " not on axis 1"));
    }
    if (index_.IsGraphOutput(out) || index_.ReadBySubgraph(out)) {
      return CannotPrune(absl::StrCat("'", out, "' is a graph output or read by a subgraph"));
    }
    plan_.values.push_back(out);
    for (const Use& use : index_.Uses(out)) {
      const onnx::NodeProto& reader = node(use.node);
      const bool gemm = reader.op_type() == "Gemm" && IntAttribute(reader, "transA", 0) == 0;
      const bool matmul = reader.op_type() == "MatMul";
      const onnx::TensorProto* w = index_.NodeConstant(use.node, 1);
      if (!reader.domain().empty() || use.input != 0 || !(gemm || matmul) || w == nullptr ||
          w->data_type() != onnx::TensorProto::FLOAT || w->dims_size() != 2) {
        return CannotPrune(absl::StrCat("Flatten ", NodeLabel(node(n)), " feeds ", reader.op_type(),
                                        " ", NodeLabel(reader),
                                        " (not Gemm/MatMul with a constant 2-D weight)"));
      }
      const int axis = gemm && IntAttribute(reader, "transB", 0) != 0 ? 1 : 0;
      const int64_t k = w->dims(axis);
      if (k % channels_ != 0) {
        return CannotPrune(absl::StrCat(reader.op_type(), " ", NodeLabel(reader), " has ", k,
                                        " inputs, not a multiple of ", channels_, " channels"));
      }
      plan_.slices.push_back(SliceEdit{use.node, 1, axis, k / channels_});
    }
    return absl::OkStatus();
  }

  const GraphIndex& index_;
  const int64_t channels_;
  Plan plan_;
};

// The channels of a [C, ...] weight left after removing the `remove` of smallest L1 norm
// (ties: the lower index goes first), in order.
std::vector<int64_t> KeptChannels(const std::vector<float>& weight, int64_t channels,
                                  int64_t remove) {
  const int64_t per_channel = static_cast<int64_t>(weight.size()) / channels;
  std::vector<double> norm(channels, 0.0);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < per_channel; ++i) norm[c] += std::fabs(weight[c * per_channel + i]);
  }
  std::vector<int64_t> order(channels);
  std::iota(order.begin(), order.end(), 0);
  for (double& n : norm) {
    if (std::isnan(n)) n = std::numeric_limits<double>::infinity();  // never the smallest
  }
  std::stable_sort(order.begin(), order.end(),
                   [&norm](int64_t a, int64_t b) { return norm[a] < norm[b]; });
  std::vector<int64_t> kept(order.begin() + remove, order.end());
  std::sort(kept.begin(), kept.end());
  return kept;
}

// `values` of shape `dims` with only the kept channels' blocks along `axis`; `dims` becomes
// the new shape.
std::vector<float> SliceChannels(const std::vector<float>& values, std::vector<int64_t>& dims,
                                 int axis, int64_t block, const std::vector<int64_t>& kept) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t length = dims[axis];
  std::vector<float> out;
  out.reserve(static_cast<size_t>(outer) * kept.size() * block * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c : kept) {
      const float* from = values.data() + (o * length + c * block) * inner;
      out.insert(out.end(), from, from + block * inner);
    }
  }
  dims[axis] = static_cast<int64_t>(kept.size()) * block;
  return out;
}

// A name for a new initializer made from `base`, unused in the graph and by `taken`.
std::string FreshName(const GraphIndex& index, const std::string& base,
                      std::unordered_set<std::string>& taken) {
  std::string name = base + "_pruned";
  for (int i = 2; !index.IsFreeName(name) || taken.count(name) > 0; ++i) {
    name = absl::StrCat(base, "_pruned_", i);
  }
  taken.insert(name);
  return name;
}

void SetGroup(onnx::NodeProto* node, int64_t group) {
  for (onnx::AttributeProto& a : *node->mutable_attribute()) {
    if (a.name() == "group") {
      a.set_i(group);
      return;
    }
  }
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name("group");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(group);
}

// Carries out `plan` for the kept channels: each edited input reads a new initializer (the
// old one may be shared with nodes that keep it); the inputs it read before go to `orphans`.
absl::Status ApplyPlan(const GraphIndex& index, const Plan& plan, const std::vector<int64_t>& kept,
                       std::unordered_set<std::string>& taken, std::vector<std::string>& orphans) {
  onnx::GraphProto& graph = index.graph();
  for (const SliceEdit& edit : plan.slices) {
    const onnx::TensorProto* from = index.NodeConstant(edit.node, edit.input);
    ASSIGN_OR_RETURN(std::vector<float> values, ReadFloats(*from));
    std::vector<int64_t> dims = Dims(*from);
    std::vector<float> sliced = SliceChannels(values, dims, edit.axis, edit.block, kept);
    onnx::TensorProto* to = graph.add_initializer();
    to->set_name(FreshName(index, from->name(), taken));
    WriteFloats(dims, sliced, to);
    onnx::NodeProto* node = graph.mutable_node(edit.node);
    orphans.push_back(node->input(edit.input));
    node->set_input(edit.input, to->name());
  }
  for (int n : plan.depthwise) {
    SetGroup(graph.mutable_node(n), static_cast<int64_t>(kept.size()));
  }
  return absl::OkStatus();
}

// Removes the initializers and Identity nodes among `names` (and, through those Identity
// nodes, their inputs) that nothing reads any more, subgraphs included.
void RemoveOrphans(onnx::GraphProto& graph, std::vector<std::string> names) {
  while (!names.empty()) {
    GraphIndex index(graph);
    std::unordered_set<std::string> unused;
    for (const std::string& name : names) {
      if (index.Uses(name).empty() && !index.IsGraphOutput(name) && !index.ReadBySubgraph(name)) {
        unused.insert(name);
      }
    }
    names.clear();
    auto* inits = graph.mutable_initializer();
    for (int i = inits->size() - 1; i >= 0; --i) {
      if (unused.count(inits->Get(i).name()) > 0) inits->DeleteSubrange(i, 1);
    }
    auto* nodes = graph.mutable_node();
    for (int i = nodes->size() - 1; i >= 0; --i) {
      const onnx::NodeProto& node = nodes->Get(i);
      if (node.op_type() == "Identity" && node.domain().empty() && node.output_size() == 1 &&
          unused.count(node.output(0)) > 0) {
        names.push_back(node.input(0));
        nodes->DeleteSubrange(i, 1);
      }
    }
  }
}

void DropValueInfo(onnx::GraphProto& graph, const std::unordered_set<std::string>& values) {
  auto* infos = graph.mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i) {
    if (values.count(infos->Get(i).name()) > 0) infos->DeleteSubrange(i, 1);
  }
}

// Why convolution `n` cannot lose output channels as a source, or OK.
absl::Status SourceProblem(const GraphIndex& index, int n) {
  const onnx::NodeProto& node = index.graph().node(n);
  if (IntAttribute(node, "group", 1) != 1) return CannotPrune("grouped or depthwise");
  if (node.input_size() > 0 && index.IsGraphInput(node.input(0))) {
    return CannotPrune(absl::StrCat("reads the graph input '", node.input(0),
                                    "' directly (the first layer keeps its channels)"));
  }
  const onnx::TensorProto* w = index.NodeConstant(n, 1);
  if (w == nullptr || w->data_type() != onnx::TensorProto::FLOAT || w->dims_size() < 3 ||
      w->dims(0) < 1) {
    return CannotPrune("its weight is not a constant float tensor");
  }
  if (node.input_size() > 2 && !node.input(2).empty()) {
    const onnx::TensorProto* b = index.NodeConstant(n, 2);
    if (b == nullptr || b->data_type() != onnx::TensorProto::FLOAT || b->dims_size() != 1 ||
        b->dims(0) != w->dims(0)) {
      return CannotPrune("its bias is not a constant float vector");
    }
  }
  if (node.output_size() != 1 || node.output(0).empty()) return CannotPrune("no output");
  return absl::OkStatus();
}

}  // namespace

absl::Status PruneChannels(onnx::GraphProto& graph, double sparsity, PruneReport* report) {
  std::unordered_set<std::string> taken;
  std::unordered_set<std::string> changed_values;
  std::vector<std::string> orphans;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    if (node.op_type() != "Conv" || !node.domain().empty()) continue;
    GraphIndex index(graph);
    absl::Status problem = SourceProblem(index, n);
    const onnx::TensorProto* w = index.NodeConstant(n, 1);
    const int64_t channels = problem.ok() ? w->dims(0) : 0;
    const int64_t remove =
        static_cast<int64_t>(std::floor(static_cast<double>(channels) * sparsity));
    if (problem.ok() && remove == 0) {
      problem = CannotPrune(absl::StrCat(channels, " output channels, none to remove"));
    }
    Tracer tracer(index, channels);
    if (problem.ok()) problem = tracer.Value(node.output(0), 0);
    if (!problem.ok()) {
      report->skipped.push_back(absl::StrCat(NodeLabel(node), ": ", problem.message()));
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<float> weight, ReadFloats(*w));
    const std::vector<int64_t> kept = KeptChannels(weight, channels, remove);
    Plan plan = tracer.plan();
    plan.slices.insert(plan.slices.begin(), SliceEdit{n, 1, 0, 1});
    if (node.input_size() > 2 && !node.input(2).empty()) {
      plan.slices.insert(plan.slices.begin() + 1, SliceEdit{n, 2, 0, 1});
    }
    RETURN_IF_ERROR(ApplyPlan(index, plan, kept, taken, orphans));
    changed_values.insert(plan.values.begin(), plan.values.end());
    report->tensors += 1;
    report->weights += static_cast<int64_t>(weight.size());
    report->channels_removed += remove;
  }
  RemoveOrphans(graph, std::move(orphans));
  DropValueInfo(graph, changed_values);
  return absl::OkStatus();
}

}  // namespace berth::optimize::prune_internal
