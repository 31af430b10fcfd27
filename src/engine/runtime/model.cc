#include "engine/runtime/model.h"

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "engine/format/onnx_loader.h"
#include "engine/graph/passes/optimize.h"
#include "engine/kernels/registry.h"
#include "engine/runtime/execution_plan.h"
#include "engine/runtime/input_validation.h"

namespace berth::engine {

struct Model::Impl {
  ModelOptions options;
  ModelSummary summary;
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
  std::map<std::string, int64_t> opsets;
  std::unique_ptr<ExecutionPlan> plan;
};

namespace {

ModelSummary Summarize(const ModelGraph& model) {
  ModelSummary summary;
  summary.ir_version = model.ir_version;
  summary.opsets = model.opsets;
  summary.producer_name = model.producer_name;
  summary.producer_version = model.producer_version;
  summary.node_count = static_cast<int64_t>(model.graph.nodes.size());
  for (const Node& node : model.graph.nodes) {
    std::string key = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
    ++summary.op_counts[key];
  }
  for (const auto& [name, tensor] : model.graph.initializers) {
    summary.parameter_count += tensor->num_elements();
    summary.parameter_bytes += static_cast<int64_t>(tensor->byte_size());
  }
  return summary;
}

int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

Model::Model() : impl_(std::make_unique<Impl>()) {}
Model::~Model() = default;

absl::StatusOr<std::unique_ptr<Model>> Model::LoadFromFile(const std::string& path,
                                                           const ModelOptions& options) {
  ASSIGN_OR_RETURN(ModelGraph graph, ParseOnnxModelFile(path, options.max_model_bytes));
  return Prepare(std::move(graph), options);
}

absl::StatusOr<std::unique_ptr<Model>> Model::LoadFromBytes(std::string_view bytes,
                                                            const ModelOptions& options,
                                                            const std::string& external_data_dir) {
  if (bytes.size() > options.max_model_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("the model is ", bytes.size(),
                                                   " bytes, over the limit of ",
                                                   options.max_model_bytes));
  }
  ASSIGN_OR_RETURN(ModelGraph graph, ParseOnnxModel(bytes, external_data_dir));
  return Prepare(std::move(graph), options);
}

absl::StatusOr<std::unique_ptr<Model>> Model::Prepare(ModelGraph graph,
                                                      const ModelOptions& options) {
  std::unique_ptr<Model> model(new Model());
  Impl& impl = *model->impl_;
  impl.options = options;
  impl.options.intra_op_threads = ResolveThreads(options.intra_op_threads);
  impl.summary = Summarize(graph);
  impl.inputs = graph.graph.inputs;
  impl.outputs = graph.graph.outputs;
  const KernelRegistry& registry = GlobalKernelRegistry();
  if (options.optimize) {
    RETURN_IF_ERROR(OptimizeGraph(graph, registry, {.channels_last = options.channels_last}));
  }
  // The passes may add the "berth" domain of the fused kernels.
  impl.opsets = graph.opsets;
  auto shared = std::make_shared<Graph>(std::move(graph.graph));
  // Weights a kernel copied into its own layout go as soon as no other reader needs them.
  auto release = [&shared](const std::string& name) { shared->initializers.erase(name); };
  ASSIGN_OR_RETURN(impl.plan, ExecutionPlan::Create(shared, impl.opsets, registry,
                                                    impl.options.intra_op_threads, {},
                                                    release));
  // Weights that kernels copied into layouts of their own are not kept twice.
  std::erase_if(shared->initializers, [&](const auto& entry) {
    return impl.plan->dropped_constants().count(entry.second.get()) > 0;
  });
  for (size_t i = 0; i < impl.outputs.size(); ++i) {
    if (impl.outputs[i].dtype == DataType::kUndefined) {
      impl.outputs[i].dtype = impl.plan->output_types()[i];
    }
  }
  return model;
}

const std::vector<TensorSignature>& Model::inputs() const { return impl_->inputs; }
const std::vector<TensorSignature>& Model::outputs() const { return impl_->outputs; }
const ModelSummary& Model::summary() const { return impl_->summary; }
const ModelOptions& Model::options() const { return impl_->options; }

absl::Status Model::Run(const std::vector<const Tensor*>& inputs,
                        std::vector<Tensor>* outputs) const {
  RETURN_IF_ERROR(ValidateInputs(impl_->inputs, inputs));
  return impl_->plan->Run(inputs, outputs);
}

}  // namespace berth::engine
