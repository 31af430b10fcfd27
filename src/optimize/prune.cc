#include "optimize/prune.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "optimize/channel_prune.h"
#include "optimize/prune_graph.h"

namespace berth::optimize {

namespace {

using prune_internal::GraphIndex;

// The weight inputs of `node` that magnitude pruning considers: Conv's and Gemm's B (input 1);
// for MatMul whichever operand is constant (B first).
std::vector<int> WeightInputs(const onnx::NodeProto& node) {
  if (!node.domain().empty()) return {};
  if (node.op_type() == "Conv" || node.op_type() == "Gemm") return {1};
  if (node.op_type() == "MatMul") return {1, 0};
  return {};
}

// Zeroes the floor(n * sparsity) elements of smallest |w| (ties: the lower index first; NaN
// counts as the largest). Returns how many were zeroed.
int64_t ZeroSmallest(double sparsity, std::vector<float>& values) {
  const int64_t n = static_cast<int64_t>(values.size());
  const int64_t k = static_cast<int64_t>(std::floor(static_cast<double>(n) * sparsity));
  if (k <= 0) return 0;
  std::vector<float> magnitude(n);
  for (int64_t i = 0; i < n; ++i) {
    magnitude[i] =
        std::isnan(values[i]) ? std::numeric_limits<float>::infinity() : std::fabs(values[i]);
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto smaller = [&magnitude](int64_t a, int64_t b) {
    return magnitude[a] < magnitude[b] || (magnitude[a] == magnitude[b] && a < b);
  };
  std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), smaller);
  for (int64_t i = 0; i < k; ++i) values[order[i]] = 0.0f;
  return k;
}

// The constant float weight of node `n` (its input number in `input`), or null.
onnx::TensorProto* FloatWeight(const GraphIndex& index, int n, int* input) {
  for (int i : WeightInputs(index.graph().node(n))) {
    onnx::TensorProto* weight = index.NodeConstant(n, i);
    if (weight != nullptr && weight->data_type() == onnx::TensorProto::FLOAT) {
      *input = i;
      return weight;
    }
  }
  return nullptr;
}

absl::Status PruneMagnitude(onnx::GraphProto& graph, double sparsity, PruneReport* report) {
  GraphIndex index(graph);
  std::unordered_set<const onnx::TensorProto*> done;
  for (int n = 0; n < graph.node_size(); ++n) {
    int input = 0;
    onnx::TensorProto* weight = FloatWeight(index, n, &input);
    if (weight == nullptr) continue;
    const onnx::NodeProto& node = graph.node(n);
    const int data_input = input == 0 ? 1 : 0;
    const std::string data = data_input < node.input_size() ? node.input(data_input) : "";
    if (index.IsGraphInput(data)) {
      report->skipped.push_back(absl::StrCat(prune_internal::NodeLabel(node),
                                             ": reads the graph input '", data,
                                             "' directly (the first layer stays dense)"));
      continue;
    }
    if (!done.insert(weight).second) continue;  // shared: pruned once already
    ASSIGN_OR_RETURN(std::vector<float> values, prune_internal::ReadFloats(*weight));
    report->zeroed += ZeroSmallest(sparsity, values);
    report->tensors += 1;
    report->weights += static_cast<int64_t>(values.size());
    prune_internal::WriteFloats(prune_internal::Dims(*weight), values, weight);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PruneReport> PruneModel(onnx::ModelProto& model, const PruneOptions& options) {
  if (!(options.sparsity >= 0.0 && options.sparsity < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prune sparsity must be at least 0 and below 1, got ", options.sparsity));
  }
  PruneReport report;
  report.bytes_before = static_cast<int64_t>(model.ByteSizeLong());
  // Work on a copy so that a failure leaves the caller's model as it was.
  onnx::GraphProto graph = model.graph();
  if (options.structured) {
    RETURN_IF_ERROR(prune_internal::PruneChannels(graph, options.sparsity, &report));
  } else {
    RETURN_IF_ERROR(PruneMagnitude(graph, options.sparsity, &report));
  }
  model.mutable_graph()->Swap(&graph);
  report.bytes_after = static_cast<int64_t>(model.ByteSizeLong());
  return report;
}

}  // namespace berth::optimize
