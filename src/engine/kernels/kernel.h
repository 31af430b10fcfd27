// The kernel interface: how an operator is created once at load and run many times.
//
// A kernel's factory sees the node, its opset and the types (and constant values, where
// known) of its inputs; it checks the attributes, prepares what it can (weights reordered,
// primitives built), and says the output types. Compute then runs for every inference,
// possibly from several threads at once on the same kernel object: Compute is const, and any
// state it caches must be guarded by the kernel.
#ifndef BERTH_ENGINE_KERNELS_KERNEL_H_
#define BERTH_ENGINE_KERNELS_KERNEL_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/core/tensor_sequence.h"
#include "engine/graph/graph.h"

namespace dnnl {
struct engine;
struct stream;
}  // namespace dnnl

namespace berth::engine {

class SubgraphRunner;

// What a kernel factory gets at load time.
class KernelInfo {
 public:
  KernelInfo(const Node& node, int opset, std::vector<DataType> input_types,
             std::vector<const Tensor*> constant_inputs);

  const Node& node() const { return node_; }
  int opset() const { return opset_; }
  int num_inputs() const { return static_cast<int>(input_types_.size()); }
  int num_outputs() const { return static_cast<int>(node_.outputs.size()); }
  // Values a node's subgraphs read from the enclosing scope (sorted, unique). The runtime
  // appends them after the node's declared inputs: input(node().inputs.size() + k) is the
  // value of implicit_inputs()[k].
  const std::vector<std::string>& implicit_inputs() const { return implicit_inputs_; }
  void set_implicit_inputs(std::vector<std::string> names) { implicit_inputs_ = std::move(names); }

  // True when input i was given (not an empty name and within range).
  bool has_input(int i) const;
  // kUndefined for a missing optional input.
  DataType input_type(int i) const;
  // The input's value when it is a constant known at load (initializer or folded), else null.
  const Tensor* constant_input(int i) const;

  // Called by a factory that has copied constant input i into a form of its own (weights
  // reordered to a blocked layout, say) and will never read it in Compute: the runtime then
  // frees the original when no other node needs it, and Compute sees input(i) == nullptr.
  void ConsumeConstantInput(int i);
  bool constant_input_consumed(int i) const;

  // Attribute access. The *Or forms return `fallback` when the attribute is absent; all
  // fail with InvalidArgument naming the node and attribute when the attribute has the wrong
  // type. The Required forms also fail when it is absent.
  absl::StatusOr<int64_t> IntOr(const std::string& name, int64_t fallback) const;
  absl::StatusOr<float> FloatOr(const std::string& name, float fallback) const;
  absl::StatusOr<std::string> StringOr(const std::string& name, std::string fallback) const;
  absl::StatusOr<std::vector<int64_t>> IntsOr(const std::string& name,
                                              std::vector<int64_t> fallback) const;
  absl::StatusOr<std::vector<float>> FloatsOr(const std::string& name,
                                              std::vector<float> fallback) const;
  absl::StatusOr<std::vector<std::string>> StringsOr(const std::string& name,
                                                     std::vector<std::string> fallback) const;
  absl::StatusOr<int64_t> RequiredInt(const std::string& name) const;
  absl::StatusOr<std::vector<int64_t>> RequiredInts(const std::string& name) const;
  absl::StatusOr<const Tensor*> RequiredTensor(const std::string& name) const;
  absl::StatusOr<const Graph*> RequiredGraph(const std::string& name) const;
  bool HasAttribute(const std::string& name) const;

  // An InvalidArgument error prefixed with the node's op type and name.
  absl::Status Error(const std::string& message) const;

  // Output types, pre-filled with input_type(0) for every output (kUndefined when there is
  // no input). A factory whose outputs differ sets them here.
  std::vector<DataType>& output_types() { return output_types_; }
  const std::vector<DataType>& output_types() const { return output_types_; }

  // Intra-op threads the model was loaded with (>= 1).
  int intra_op_threads() const { return intra_op_threads_; }
  void set_intra_op_threads(int n) { intra_op_threads_ = n; }

  // For control-flow kernels: builds a runner for a subgraph attribute. Null when the
  // runtime has not provided the hook (e.g. in unit tests).
  using SubgraphFactory =
      std::function<absl::StatusOr<std::unique_ptr<SubgraphRunner>>(const Graph&)>;
  const SubgraphFactory& subgraph_factory() const { return subgraph_factory_; }
  void set_subgraph_factory(SubgraphFactory f) { subgraph_factory_ = std::move(f); }

 private:
  const Attribute* Find(const std::string& name, Attribute::Type type,
                        absl::Status* error) const;

  const Node& node_;
  int opset_;
  std::vector<DataType> input_types_;
  std::vector<const Tensor*> constant_inputs_;
  std::vector<bool> consumed_;
  std::vector<std::string> implicit_inputs_;
  std::vector<DataType> output_types_;
  int intra_op_threads_ = 1;
  SubgraphFactory subgraph_factory_;
};

// What Compute gets: inputs, outputs, and per-run resources. One KernelContext serves one
// run on one thread.
class KernelContext {
 public:
  virtual ~KernelContext() = default;

  virtual int num_inputs() const = 0;
  // Null for a missing optional input.
  virtual const Tensor* input(int i) const = 0;
  virtual int num_outputs() const = 0;
  // Gives output i the shape (and the type decided at load) and returns it for writing.
  // Storage is reused across runs. Fails if the shape is invalid or too large.
  virtual absl::StatusOr<Tensor*> Output(int i, absl::Span<const int64_t> shape) = 0;
  // As Output, with an explicit type (for kernels whose output type depends on data).
  virtual absl::StatusOr<Tensor*> OutputWithType(int i, DataType dtype,
                                                 absl::Span<const int64_t> shape) = 0;
  // False when the graph does not use output i (an empty output name).
  virtual bool output_wanted(int i) const = 0;

  // Sequence values, for the inputs and outputs a kernel's KernelDef declares as sequences
  // (KernelDef::sequence_inputs, sequence_outputs); input(i) is null for those inputs.
  // Contexts that hold no sequences keep these defaults, which fail with Unimplemented.
  //
  // The sequence bound to input i. Fails when input i is not a sequence.
  virtual absl::StatusOr<const TensorSequence*> InputSequence(int i) const;
  // Output i emptied, with the element type decided at load, for the kernel to fill.
  // Storage is reused across runs. Fails when output i is not a sequence.
  virtual absl::StatusOr<TensorSequence*> OutputSequence(int i);

  // A scratch buffer of at least `bytes`, 64-byte aligned, valid until the next call to
  // Scratch in this context. Reused across runs.
  virtual void* Scratch(size_t bytes) = 0;
  virtual dnnl::engine& dnnl_engine() = 0;
  virtual dnnl::stream& dnnl_stream() = 0;
  virtual int intra_op_threads() const = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Runs the operator. Must be safe to call concurrently from several threads.
  virtual absl::Status Compute(KernelContext& ctx) const = 0;
};

// Runs a subgraph (the body of If, Loop or Scan). Inputs are bound by position to the
// subgraph's inputs; outer-scope values are looked up by name in `outer`.
class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  // Names the subgraph reads from the enclosing scope.
  virtual const std::vector<std::string>& outer_scope_names() const = 0;
  // Types of the subgraph's outputs as decided at load (kUndefined where unknown).
  virtual const std::vector<DataType>& output_types() const = 0;
  virtual absl::Status Run(const std::vector<const Tensor*>& inputs,
                           const std::vector<const Tensor*>& outer_values,
                           std::vector<Tensor>* outputs) const = 0;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_KERNEL_H_
