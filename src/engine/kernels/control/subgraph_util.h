// Shared plumbing of the control-flow kernels (If, Loop, Scan).
#ifndef BERTH_ENGINE_KERNELS_CONTROL_SUBGRAPH_UTIL_H_
#define BERTH_ENGINE_KERNELS_CONTROL_SUBGRAPH_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

// A subgraph runner plus where each of its outer-scope values sits among the node's inputs.
struct BoundSubgraph {
  std::unique_ptr<SubgraphRunner> runner;
  std::vector<int> outer_input_index;  // per runner->outer_scope_names()
};

// Builds the runner for graph attribute `attr_name` and binds its outer-scope names to the
// node's implicit inputs. Fails when the runtime gave no subgraph factory.
absl::StatusOr<BoundSubgraph> BindSubgraph(const KernelInfo& info, const std::string& attr_name);

// The outer-scope values of `sub` for this run.
std::vector<const Tensor*> OuterValues(const BoundSubgraph& sub, const KernelContext& ctx);

// Copies `src` into output i of ctx (type and shape of src).
absl::Status EmitOutput(KernelContext& ctx, int i, const Tensor& src);

// The slice of `t` at `index` along `axis`, with that axis removed (a copy).
Tensor SliceAxis(const Tensor& t, int axis, int64_t index);

// Writes output i of ctx as the tensors of `parts` (same type and shape each) stacked along
// a new axis `axis`. With no parts the output has shape [0] and type `empty_type`.
absl::Status StackInto(KernelContext& ctx, int i, const std::vector<Tensor>& parts, int axis,
                       DataType empty_type);

// Reads a scalar (or one-element) bool / int64 tensor.
absl::StatusOr<bool> ScalarBool(const Tensor& t, const char* what);
absl::StatusOr<int64_t> ScalarInt64(const Tensor& t, const char* what);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_CONTROL_SUBGRAPH_UTIL_H_
