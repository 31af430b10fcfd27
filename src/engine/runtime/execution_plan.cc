#include "engine/runtime/execution_plan.h"

#include <omp.h>

#include <cstring>
#include <set>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/runtime/execution_state.h"

namespace berth::engine {

ExecutionState::ExecutionState(int num_buffers)
    : buffers(num_buffers), stream(CpuEngine()) {}

namespace {

// The KernelContext of one step of one run.
class StepContext : public KernelContext {
 public:
  StepContext(const std::vector<const Tensor*>& inputs, std::vector<Tensor*>& outputs,
              const std::vector<DataType>& output_types, ExecutionState& state, int threads)
      : inputs_(inputs),
        outputs_(outputs),
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
    return i >= 0 && i < num_outputs() && outputs_[i] != nullptr;
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
  // Unwanted outputs that a kernel writes anyway land in a throwaway tensor.
  Tensor& Discard(int i) {
    if (discard_.size() <= static_cast<size_t>(i)) discard_.resize(i + 1);
    return discard_[i];
  }

  const std::vector<const Tensor*>& inputs_;
  std::vector<Tensor*>& outputs_;
  const std::vector<DataType>& output_types_;
  ExecutionState& state_;
  int threads_;
  std::vector<Tensor> discard_;
};

absl::Status CopyInto(const Tensor& src, Tensor& dst) {
  RETURN_IF_ERROR(dst.Reshape(src.dtype(), src.shape()));
  if (src.dtype() == DataType::kString) {
    dst.strings() = src.strings();
  } else if (src.byte_size() > 0) {
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
  }
  return absl::OkStatus();
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
    const std::map<std::string, DataType>& outer_types) {
  std::unique_ptr<ExecutionPlan> plan(new ExecutionPlan());
  plan->graph_ = std::move(graph);
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
    output_slots_.push_back(slot);
    output_names_.push_back(out.name);
    output_types_.push_back(types.count(out.name) ? types[out.name] : DataType::kUndefined);
  }
  AssignBuffers();
  DropUnreadConstants();
  return absl::OkStatus();
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
    if (info.constant_input_consumed(static_cast<int>(i))) step.inputs[i] = -1;
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
    types[out] = i < info.output_types().size() ? info.output_types()[i] : DataType::kUndefined;
  }
  steps_.push_back(std::move(step));
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
      if (slot < 0 || slot_buffer_[slot] >= 0) continue;
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
  return std::make_unique<ExecutionState>(num_buffers_);
}

void ExecutionPlan::ReleaseState(std::unique_ptr<ExecutionState> state) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(state));
}

absl::Status ExecutionPlan::Run(const std::vector<const Tensor*>& external,
                                std::vector<Tensor>* outputs) const {
  if (static_cast<int>(external.size()) != num_external_) {
    return absl::InternalError(absl::StrCat("plan expects ", num_external_, " bound values, got ",
                                            external.size()));
  }
  std::unique_ptr<ExecutionState> state = AcquireState();
  omp_set_num_threads(intra_op_threads_);
  auto slot_tensor = [&](int slot) -> Tensor* {
    if (slot_external_[slot] >= 0) return const_cast<Tensor*>(external[slot_external_[slot]]);
    if (slot_constant_[slot] != nullptr) return const_cast<Tensor*>(slot_constant_[slot]);
    return &state->buffers[slot_buffer_[slot]];
  };
  std::vector<const Tensor*> inputs;
  std::vector<Tensor*> outs;
  absl::Status status;
  for (const Step& step : steps_) {
    inputs.clear();
    outs.clear();
    for (int slot : step.inputs) inputs.push_back(slot < 0 ? nullptr : slot_tensor(slot));
    for (int slot : step.outputs) outs.push_back(slot < 0 ? nullptr : slot_tensor(slot));
    StepContext ctx(inputs, outs, step.output_types, *state, intra_op_threads_);
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
      status = CopyInto(*slot_tensor(output_slots_[i]), (*outputs)[i]);
    }
  }
  ReleaseState(std::move(state));
  return status;
}

}  // namespace berth::engine
