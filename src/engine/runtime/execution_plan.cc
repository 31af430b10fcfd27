#include "engine/runtime/execution_plan.h"

#include <omp.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/runtime/execution_state.h"

namespace berth::engine {

ExecutionState::ExecutionState(int num_buffers, int num_sequences)
    : buffers(num_buffers), sequences(num_sequences), stream(CpuEngine()) {}

namespace {

// The KernelContext of one step of one run: its arguments are the state's step_* lists.
class StepContext : public KernelContext {
 public:
  StepContext(const std::vector<DataType>& output_types, ExecutionState& state, int threads)
      : inputs_(state.step_inputs),
        outputs_(state.step_outputs),
        input_sequences_(state.step_input_sequences),
        output_sequences_(state.step_output_sequences),
        output_types_(output_types),
        state_(state),
        threads_(threads) {}

  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  const Tensor* input(int i) const override {
    return i >= 0 && i < num_inputs() ? inputs_[i] : nullptr;
  }
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  absl::StatusOr<Tensor*> Output(int i, absl::Span<const int64_t> shape) override {
    if (i < 0 || i >= num_outputs()) return OutOfRange(i);
    return OutputWithType(i, output_types_[i], shape);
  }
  absl::StatusOr<Tensor*> OutputWithType(int i, DataType dtype,
                                         absl::Span<const int64_t> shape) override {
    if (i < 0 || i >= num_outputs()) return OutOfRange(i);
    Tensor* out = outputs_[i] != nullptr ? outputs_[i] : &Discard(i);
    RETURN_IF_ERROR(out->Reshape(dtype, shape));
    return out;
  }
  bool output_wanted(int i) const override {
    return i >= 0 && i < num_outputs() &&
           (outputs_[i] != nullptr || OutputSequenceSlot(i) != nullptr);
  }
  absl::StatusOr<const TensorSequence*> InputSequence(int i) const override {
    if (i >= 0 && i < static_cast<int>(input_sequences_.size()) &&
        input_sequences_[i] != nullptr) {
      return input_sequences_[i];
    }
    return absl::InternalError(absl::StrCat("kernel asked for input ", i,
                                            " as a sequence, but it is not one"));
  }
  absl::StatusOr<TensorSequence*> OutputSequence(int i) override {
    if (i < 0 || i >= num_outputs()) return OutOfRange(i);
    TensorSequence* out = OutputSequenceSlot(i);
    if (out == nullptr) {
      if (outputs_[i] != nullptr) {
        return absl::InternalError(absl::StrCat("kernel asked for output ", i,
                                                " as a sequence, but it is a tensor"));
      }
      out = &discard_sequence_;  // the graph does not use this output
    }
    out->Reset(output_types_[i]);
    return out;
  }
  void* Scratch(size_t bytes) override {
    if (state_.scratch.byte_size() < bytes &&
        !state_.scratch.Reshape(DataType::kUint8, {static_cast<int64_t>(bytes)}).ok()) {
      return nullptr;
    }
    return state_.scratch.raw_data();
  }
  dnnl::engine& dnnl_engine() override { return CpuEngine(); }
  dnnl::stream& dnnl_stream() override { return state_.stream; }
  int intra_op_threads() const override { return threads_; }

 private:
  absl::Status OutOfRange(int i) const {
    return absl::InternalError(absl::StrCat("kernel asked for output ", i, " of ", num_outputs()));
  }
  TensorSequence* OutputSequenceSlot(int i) const {
    return i < static_cast<int>(output_sequences_.size()) ? output_sequences_[i] : nullptr;
  }
  // Unwanted outputs that a kernel writes anyway land in a throwaway tensor or sequence.
  Tensor& Discard(int i) {
    if (discard_.size() <= static_cast<size_t>(i)) discard_.resize(i + 1);
    return discard_[i];
  }

  const std::vector<const Tensor*>& inputs_;
  std::vector<Tensor*>& outputs_;
  const std::vector<const TensorSequence*>& input_sequences_;
  const std::vector<TensorSequence*>& output_sequences_;
  const std::vector<DataType>& output_types_;
  ExecutionState& state_;
  int threads_;
  std::vector<Tensor> discard_;
  TensorSequence discard_sequence_;
};

bool Contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

// Runs a subgraph (If/Loop/Scan body) through a plan of its own.
class PlanSubgraphRunner : public SubgraphRunner {
 public:
  explicit PlanSubgraphRunner(std::unique_ptr<ExecutionPlan> plan) : plan_(std::move(plan)) {}
  const std::vector<std::string>& outer_scope_names() const override {
    return plan_->graph().outer_scope_names;
  }
  const std::vector<DataType>& output_types() const override { return plan_->output_types(); }
  absl::Status Run(const std::vector<const Tensor*>& inputs,
                   const std::vector<const Tensor*>& outer_values,
                   std::vector<Tensor>* outputs) const override {
    std::vector<const Tensor*> external = inputs;
    external.insert(external.end(), outer_values.begin(), outer_values.end());
    return plan_->Run(external, outputs);
  }

 private:
  std::unique_ptr<ExecutionPlan> plan_;
};

ExecutionPlan::~ExecutionPlan() = default;

absl::StatusOr<std::unique_ptr<ExecutionPlan>> ExecutionPlan::Create(
    std::shared_ptr<const Graph> graph, const std::map<std::string, int64_t>& opsets,
    const KernelRegistry& registry, int intra_op_threads,
    const std::map<std::string, DataType>& outer_types,
    std::function<void(const std::string&)> release) {
  std::unique_ptr<ExecutionPlan> plan(new ExecutionPlan());
  plan->graph_ = std::move(graph);
  plan->release_ = std::move(release);
  plan->intra_op_threads_ = std::max(1, intra_op_threads);
  plan->opsets_ = &opsets;
  RETURN_IF_ERROR(plan->Build(opsets, registry, outer_types));
  return plan;
}

int ExecutionPlan::SlotFor(const std::string& name) {
  auto [it, inserted] = slot_of_.emplace(name, static_cast<int>(slot_external_.size()));
  if (inserted) {
    slot_external_.push_back(-1);
    slot_constant_.push_back(nullptr);
    slot_buffer_.push_back(-1);
    slot_sequence_.push_back(-1);
  }
  return it->second;
}

absl::Status ExecutionPlan::Build(const std::map<std::string, int64_t>& opsets,
                                  const KernelRegistry& registry,
                                  const std::map<std::string, DataType>& outer_types) {
  const Graph& graph = *graph_;
  std::map<std::string, DataType> types;
  for (const ValueInfo& in : graph.inputs) {
    slot_external_[SlotFor(in.name)] = num_external_++;
    types[in.name] = in.dtype;
  }
  for (const std::string& name : graph.outer_scope_names) {
    slot_external_[SlotFor(name)] = num_external_++;
    auto it = outer_types.find(name);
    types[name] = it == outer_types.end() ? DataType::kUndefined : it->second;
  }
  for (const auto& [name, tensor] : graph.initializers) {
    if (slot_of_.count(name)) continue;  // an input of the same name overrides it
    slot_constant_[SlotFor(name)] = tensor.get();
    constants_.push_back(tensor);
    types[name] = tensor->dtype();
  }
  CountConstantReads();
  for (const Node& node : graph.nodes) {
    auto it = opsets.find(node.domain);
    if (it == opsets.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.op_type, " node '", node.name, "' uses domain '", node.domain,
          "', which the model does not import"));
    }
    RETURN_IF_ERROR(AddStep(node, static_cast<int>(it->second), registry, types));
  }
  for (const ValueInfo& out : graph.outputs) {
    int slot = SlotFor(out.name);
    if (slot_external_[slot] < 0 && slot_constant_[slot] == nullptr && !produced_.count(slot)) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph output '", out.name, "' is never produced"));
    }
    if (IsSequence(slot)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph output '", out.name,
          "' is a sequence of tensors; graph outputs must be tensors"));
    }
    output_slots_.push_back(slot);
    output_names_.push_back(out.name);
    output_types_.push_back(types.count(out.name) ? types[out.name] : DataType::kUndefined);
  }
  AssignBuffers();
  DropUnreadConstants();
  return absl::OkStatus();
}

void ExecutionPlan::CountConstantReads() {
  if (!release_) return;
  const Graph& graph = *graph_;
  auto count = [&](const std::string& name) {
    auto it = slot_of_.find(name);
    if (it != slot_of_.end() && slot_constant_[it->second] != nullptr) {
      ++unconsumed_reads_[it->second];
    }
  };
  for (const Node& node : graph.nodes) {
    for (const std::string& in : node.inputs) count(in);
    for (const auto& [name, attr] : node.attributes) {
      if (!attr.g) continue;
      for (const std::string& outer : attr.g->outer_scope_names) count(outer);
    }
  }
  for (const ValueInfo& out : graph.outputs) count(out.name);
}

void ExecutionPlan::ConsumeConstantRead(int slot, const std::string& name) {
  auto it = unconsumed_reads_.find(slot);
  if (!release_ || it == unconsumed_reads_.end() || --it->second > 0) return;
  const Tensor* tensor = slot_constant_[slot];
  std::erase_if(constants_, [&](const std::shared_ptr<const Tensor>& t) {
    return t.get() == tensor;
  });
  slot_constant_[slot] = nullptr;  // nothing reads it any more
  release_(name);
}

void ExecutionPlan::DropUnreadConstants() {
  std::vector<bool> read(slot_constant_.size(), false);
  for (const Step& step : steps_) {
    for (int slot : step.inputs) {
      if (slot >= 0) read[slot] = true;
    }
  }
  for (int slot : output_slots_) read[slot] = true;
  std::set<const Tensor*> dropped;
  for (size_t slot = 0; slot < slot_constant_.size(); ++slot) {
    if (slot_constant_[slot] != nullptr && !read[slot]) dropped.insert(slot_constant_[slot]);
  }
  std::erase_if(constants_, [&](const std::shared_ptr<const Tensor>& t) {
    return dropped.count(t.get()) > 0;
  });
  dropped_constants_ = std::move(dropped);
}

absl::Status ExecutionPlan::AddStep(const Node& node, int opset, const KernelRegistry& registry,
                                    std::map<std::string, DataType>& types) {
  Step step;
  step.node = &node;
  std::vector<DataType> input_types;
  std::vector<const Tensor*> constants;
  std::set<std::string> implicit;
  for (const auto& [attr_name, attr] : node.attributes) {
    if (attr.g) implicit.insert(attr.g->outer_scope_names.begin(), attr.g->outer_scope_names.end());
  }
  std::vector<std::string> all_inputs = node.inputs;
  all_inputs.insert(all_inputs.end(), implicit.begin(), implicit.end());
  for (const std::string& in : all_inputs) {
    if (in.empty()) {
      step.inputs.push_back(-1);
      input_types.push_back(DataType::kUndefined);
      constants.push_back(nullptr);
      continue;
    }
    int slot = SlotFor(in);
    if (slot_external_[slot] < 0 && slot_constant_[slot] == nullptr && !produced_.count(slot)) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.op_type, " node '", node.name, "' reads '", in, "' before it is produced"));
    }
    step.inputs.push_back(slot);
    input_types.push_back(types.count(in) ? types[in] : DataType::kUndefined);
    constants.push_back(slot_constant_[slot]);
  }
  auto fail = [&](const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(node.op_type, " node '", node.name, "': ",
                                                st.message()));
  };
  absl::StatusOr<const KernelDef*> def =
      registry.Find(node.domain, node.op_type, opset, input_types);
  if (!def.ok()) return fail(def.status());
  RETURN_IF_ERROR(CheckValueKinds(node, **def, all_inputs, step.inputs));
  step.uses_sequences = !(*def)->sequence_inputs.empty() || !(*def)->sequence_outputs.empty();
  KernelInfo info(node, opset, input_types, constants);
  info.set_implicit_inputs({implicit.begin(), implicit.end()});
  info.set_intra_op_threads(intra_op_threads_);
  info.set_subgraph_factory(
      [this, &registry, &types](const Graph& sub)
          -> absl::StatusOr<std::unique_ptr<SubgraphRunner>> {
        // The subgraph lives inside graph_ (in a node attribute), so it shares its lifetime.
        std::shared_ptr<const Graph> alias(graph_, &sub);
        ASSIGN_OR_RETURN(std::unique_ptr<ExecutionPlan> plan,
                         Create(alias, *opsets_, registry, intra_op_threads_, types));
        return std::unique_ptr<SubgraphRunner>(new PlanSubgraphRunner(std::move(plan)));
      });
  absl::StatusOr<std::unique_ptr<Kernel>> kernel = (*def)->factory(info);
  if (!kernel.ok()) {
    // Kernel errors usually name the op already; make sure the node is named.
    if (absl::StrContains(kernel.status().message(), node.name) && !node.name.empty()) {
      return kernel.status();
    }
    return fail(kernel.status());
  }
  step.kernel = *std::move(kernel);
  step.output_types = info.output_types();
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    if (!info.constant_input_consumed(static_cast<int>(i))) continue;
    ConsumeConstantRead(step.inputs[i], all_inputs[i]);
    step.inputs[i] = -1;
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const std::string& out = node.outputs[i];
    if (out.empty()) {
      step.outputs.push_back(-1);
      continue;
    }
    int slot = SlotFor(out);
    if (slot_external_[slot] >= 0 || slot_constant_[slot] != nullptr || produced_.count(slot)) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.op_type, " node '", node.name, "' writes '", out, "', which already has a value"));
    }
    produced_.insert(slot);
    step.outputs.push_back(slot);
    if (Contains((*def)->sequence_outputs, static_cast<int>(i))) {
      slot_sequence_[slot] = num_sequences_++;
    }
    types[out] = i < info.output_types().size() ? info.output_types()[i] : DataType::kUndefined;
  }
  steps_.push_back(std::move(step));
  return absl::OkStatus();
}

absl::Status ExecutionPlan::CheckValueKinds(const Node& node, const KernelDef& def,
                                            const std::vector<std::string>& all_inputs,
                                            const std::vector<int>& slots) const {
  auto error = [&](auto&&... pieces) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.op_type, " node '", node.name, "': ", pieces...));
  };
  const int declared = static_cast<int>(node.inputs.size());
  for (int i : def.sequence_inputs) {
    if (i >= declared || node.inputs[i].empty()) {
      return error("input ", i, " must be a sequence of tensors, but it is missing");
    }
  }
  for (size_t k = 0; k < slots.size(); ++k) {
    const int i = static_cast<int>(k);
    const bool is_sequence = IsSequence(slots[k]);
    if (i >= declared) {
      if (is_sequence) {
        return error("a subgraph reads the sequence '", all_inputs[k],
                     "' of the enclosing graph; sequences cannot enter subgraphs");
      }
      continue;
    }
    const bool wants_sequence = Contains(def.sequence_inputs, i);
    if (is_sequence && !wants_sequence) {
      return error("input ", i, " ('", all_inputs[k], "') is a sequence of tensors, which ",
                   node.op_type, " does not accept");
    }
    if (!is_sequence && wants_sequence) {
      return error("input ", i, " ('", all_inputs[k],
                   "') must be a sequence of tensors, but it is a tensor");
    }
  }
  return absl::OkStatus();
}

void ExecutionPlan::AssignBuffers() {
  std::vector<int> last_read(slot_external_.size(), -1);
  for (size_t s = 0; s < steps_.size(); ++s) {
    for (int slot : steps_[s].inputs) {
      if (slot >= 0) last_read[slot] = static_cast<int>(s);
    }
  }
  std::vector<bool> is_output(slot_external_.size(), false);
  for (int slot : output_slots_) is_output[slot] = true;

  std::vector<int> free_list;
  for (size_t s = 0; s < steps_.size(); ++s) {
    Step& step = steps_[s];
    for (int slot : step.outputs) {
      if (slot < 0 || slot_buffer_[slot] >= 0 || IsSequence(slot)) continue;
      if (free_list.empty()) {
        slot_buffer_[slot] = num_buffers_++;
      } else {
        slot_buffer_[slot] = free_list.back();
        free_list.pop_back();
      }
    }
    auto release = [&](int slot) {
      if (slot < 0 || slot_buffer_[slot] < 0 || is_output[slot]) return;
      if (last_read[slot] > static_cast<int>(s)) return;
      if (std::find(free_list.begin(), free_list.end(), slot_buffer_[slot]) != free_list.end()) {
        return;
      }
      free_list.push_back(slot_buffer_[slot]);
      step.frees.push_back(slot_buffer_[slot]);
    };
    for (int slot : step.inputs) release(slot);
    for (int slot : step.outputs) release(slot);  // produced but never read
  }
}

std::unique_ptr<ExecutionState> ExecutionPlan::AcquireState() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<ExecutionState> state = std::move(pool_.back());
      pool_.pop_back();
      return state;
    }
  }
  return std::make_unique<ExecutionState>(num_buffers_, num_sequences_);
}

void ExecutionPlan::ReleaseState(std::unique_ptr<ExecutionState> state) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(state));
}

Tensor* ExecutionPlan::SlotTensor(int slot, const std::vector<const Tensor*>& external,
                                  ExecutionState& state) const {
  if (slot < 0 || IsSequence(slot)) return nullptr;
  if (slot_external_[slot] >= 0) return const_cast<Tensor*>(external[slot_external_[slot]]);
  if (slot_constant_[slot] != nullptr) return const_cast<Tensor*>(slot_constant_[slot]);
  return &state.buffers[slot_buffer_[slot]];
}

void ExecutionPlan::BindStep(const Step& step, const std::vector<const Tensor*>& external,
                             ExecutionState& state) const {
  state.step_inputs.clear();
  state.step_outputs.clear();
  state.step_input_sequences.clear();
  state.step_output_sequences.clear();
  for (int slot : step.inputs) state.step_inputs.push_back(SlotTensor(slot, external, state));
  for (int slot : step.outputs) state.step_outputs.push_back(SlotTensor(slot, external, state));
  if (!step.uses_sequences) return;
  auto sequence = [&](int slot) -> TensorSequence* {
    return IsSequence(slot) ? &state.sequences[slot_sequence_[slot]] : nullptr;
  };
  for (int slot : step.inputs) state.step_input_sequences.push_back(sequence(slot));
  for (int slot : step.outputs) state.step_output_sequences.push_back(sequence(slot));
}

absl::Status ExecutionPlan::Run(const std::vector<const Tensor*>& external,
                                std::vector<Tensor>* outputs) const {
  if (static_cast<int>(external.size()) != num_external_) {
    return absl::InternalError(absl::StrCat("plan expects ", num_external_, " bound values, got ",
                                            external.size()));
  }
  std::unique_ptr<ExecutionState> state = AcquireState();
  omp_set_num_threads(intra_op_threads_);
  absl::Status status;
  for (const Step& step : steps_) {
    BindStep(step, external, *state);
    StepContext ctx(step.output_types, *state, intra_op_threads_);
    status = step.kernel->Compute(ctx);
    if (!status.ok()) {
      status = absl::Status(status.code(), absl::StrCat(step.node->op_type, " node '",
                                                        step.node->name, "': ",
                                                        status.message()));
      break;
    }
  }
  if (status.ok()) {
    outputs->resize(output_slots_.size());
    for (size_t i = 0; i < output_slots_.size() && status.ok(); ++i) {
      status = CopyTensor(*SlotTensor(output_slots_[i], external, *state), (*outputs)[i]);
    }
  }
  ReleaseState(std::move(state));
  return status;
}

}  // namespace berth::engine
