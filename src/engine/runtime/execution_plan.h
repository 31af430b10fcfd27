// ExecutionPlan: a graph turned into kernels over numbered value slots, ready to run.
//
// Slots hold every value the graph touches: external ones (graph inputs and outer-scope
// names, bound per run), constants (initializers, owned by the plan), and intermediates
// (computed per run into buffers of an ExecutionState). Intermediates share buffers: a
// buffer freed by a value's last reader is given to the next value produced, so a run
// touches few buffers, and buffers keep their storage across runs.
//
// Sequences of tensors (outputs a kernel's KernelDef declares as sequences) live only inside
// a graph: each gets a sequence slot of its own in the ExecutionState, outside the buffer
// sharing. Build refuses a sequence read where a tensor is expected (and the reverse), read
// by a subgraph, or given as a graph output, naming the node and value.
#ifndef BERTH_ENGINE_RUNTIME_EXECUTION_PLAN_H_
#define BERTH_ENGINE_RUNTIME_EXECUTION_PLAN_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

struct ExecutionState;

class ExecutionPlan {
 public:
  // Builds kernels for `graph` (topologically sorted) at the given opsets. `outer_types`
  // gives the types of the outer-scope names a subgraph reads. Fails naming the node when a
  // kernel is missing or refuses its node.
  //
  // `release`, when given, is called during Create with the name of each initializer whose
  // every reader copied it at load (KernelInfo::ConsumeConstantInput): the graph's owner may
  // free it then, so that the originals and the kernels' copies never all coexist.
  static absl::StatusOr<std::unique_ptr<ExecutionPlan>> Create(
      std::shared_ptr<const Graph> graph, const std::map<std::string, int64_t>& opsets,
      const KernelRegistry& registry, int intra_op_threads,
      const std::map<std::string, DataType>& outer_types = {},
      std::function<void(const std::string&)> release = nullptr);

  ~ExecutionPlan();

  // Runs with `external` bound to graph inputs then outer-scope names (in the order of
  // graph.inputs then graph.outer_scope_names). Inputs must already be validated by the
  // caller. Outputs are copied into `outputs` (resized to the graph's outputs), reusing
  // their storage. Thread-safe: each call takes a state from an internal pool.
  absl::Status Run(const std::vector<const Tensor*>& external, std::vector<Tensor>* outputs) const;

  // Types of the graph outputs as decided at load (kUndefined where unknown).
  const std::vector<DataType>& output_types() const { return output_types_; }
  int num_external() const { return num_external_; }
  const Graph& graph() const { return *graph_; }
  // Constants that no step reads any more (consumed by kernels at load): the graph's owner
  // may free them.
  const std::set<const Tensor*>& dropped_constants() const { return dropped_constants_; }

 private:
  friend struct ExecutionState;
  struct Step {
    const Node* node;
    std::unique_ptr<Kernel> kernel;
    std::vector<int> inputs;   // slot per input, -1 for missing
    std::vector<int> outputs;  // slot per output, -1 for unwanted
    std::vector<int> frees;    // buffers whose last reader is this step
    std::vector<DataType> output_types;
    bool uses_sequences = false;  // some input or output is a sequence
  };
  ExecutionPlan() = default;
  absl::Status Build(const std::map<std::string, int64_t>& opsets,
                     const KernelRegistry& registry,
                     const std::map<std::string, DataType>& outer_types);
  absl::Status AddStep(const Node& node, int opset, const KernelRegistry& registry,
                       std::map<std::string, DataType>& types);
  int SlotFor(const std::string& name);
  bool IsSequence(int slot) const { return slot >= 0 && slot_sequence_[slot] >= 0; }
  absl::Status CheckValueKinds(const Node& node, const KernelDef& def,
                               const std::vector<std::string>& all_inputs,
                               const std::vector<int>& slots) const;
  void AssignBuffers();
  void DropUnreadConstants();
  void CountConstantReads();
  void ConsumeConstantRead(int slot, const std::string& name);
  // The tensor in `slot` for this run (null for a sequence slot).
  Tensor* SlotTensor(int slot, const std::vector<const Tensor*>& external,
                     ExecutionState& state) const;
  // Fills state's step_* argument lists for `step`.
  void BindStep(const Step& step, const std::vector<const Tensor*>& external,
                ExecutionState& state) const;
  std::unique_ptr<ExecutionState> AcquireState() const;
  void ReleaseState(std::unique_ptr<ExecutionState> state) const;

  std::shared_ptr<const Graph> graph_;  // keeps nodes alive for steps
  int intra_op_threads_ = 1;
  const std::map<std::string, int64_t>* opsets_ = nullptr;  // the model's; outlives Build
  int num_external_ = 0;
  std::map<std::string, int> slot_of_;
  // For each slot: external index, constant tensor, buffer index or sequence index (exactly
  // one >= 0/non-null).
  std::vector<int> slot_external_;
  std::vector<const Tensor*> slot_constant_;
  std::vector<int> slot_buffer_;
  std::vector<int> slot_sequence_;  // index into ExecutionState::sequences, -1 for tensors
  std::vector<std::shared_ptr<const Tensor>> constants_;
  std::vector<Step> steps_;
  std::vector<int> output_slots_;
  std::vector<std::string> output_names_;
  std::vector<DataType> output_types_;
  int num_buffers_ = 0;
  int num_sequences_ = 0;
  std::set<const Tensor*> dropped_constants_;
  // Per constant slot: reads not yet consumed by a kernel (a read that is not consumed never
  // is, so the constant stays). At zero the constant is released.
  std::map<int, int> unconsumed_reads_;
  std::function<void(const std::string&)> release_;
  std::set<int> produced_;  // slots written by a step (during Build)

  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<ExecutionState>> pool_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_RUNTIME_EXECUTION_PLAN_H_
