#include "engine/kernels/standalone_context.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dnnl.hpp"
#include "engine/kernels/dnnl_util.h"

namespace berth::engine {

StandaloneContext::StandaloneContext(std::vector<const Tensor*> inputs,
                                     std::vector<DataType> output_types, std::vector<bool> wanted,
                                     int intra_op_threads)
    : inputs_(std::move(inputs)),
      output_types_(std::move(output_types)),
      wanted_(std::move(wanted)),
      outputs_(output_types_.size()),
      output_set_(output_types_.size(), false),
      intra_op_threads_(intra_op_threads) {
  wanted_.resize(output_types_.size(), true);
}

StandaloneContext::~StandaloneContext() = default;

const Tensor* StandaloneContext::input(int i) const {
  return i >= 0 && i < num_inputs() ? inputs_[i] : nullptr;
}

absl::StatusOr<Tensor*> StandaloneContext::Output(int i, absl::Span<const int64_t> shape) {
  if (i < 0 || i >= num_outputs()) {
    return absl::InternalError(absl::StrCat("kernel asked for output ", i, " of ", num_outputs()));
  }
  return OutputWithType(i, output_types_[i], shape);
}

absl::StatusOr<Tensor*> StandaloneContext::OutputWithType(int i, DataType dtype,
                                                          absl::Span<const int64_t> shape) {
  if (i < 0 || i >= num_outputs()) {
    return absl::InternalError(absl::StrCat("kernel asked for output ", i, " of ", num_outputs()));
  }
  RETURN_IF_ERROR(outputs_[i].Reshape(dtype, shape));
  output_set_[i] = true;
  return &outputs_[i];
}

bool StandaloneContext::output_wanted(int i) const {
  return i >= 0 && i < num_outputs() && wanted_[i];
}

void* StandaloneContext::Scratch(size_t bytes) {
  if (scratch_.byte_size() < bytes) {
    absl::Status st = scratch_.Reshape(DataType::kUint8, {static_cast<int64_t>(bytes)});
    if (!st.ok()) return nullptr;
  }
  return scratch_.raw_data();
}

dnnl::engine& StandaloneContext::dnnl_engine() { return CpuEngine(); }

dnnl::stream& StandaloneContext::dnnl_stream() {
  if (!stream_) stream_ = std::make_unique<dnnl::stream>(CpuEngine());
  return *stream_;
}

absl::StatusOr<std::vector<Tensor>> RunNodeOnce(const KernelRegistry& registry, const Node& node,
                                                int opset,
                                                const std::vector<const Tensor*>& inputs,
                                                bool inputs_are_constant) {
  std::vector<DataType> types;
  for (const Tensor* t : inputs) types.push_back(t ? t->dtype() : DataType::kUndefined);
  std::vector<const Tensor*> constants =
      inputs_are_constant ? inputs : std::vector<const Tensor*>(inputs.size(), nullptr);
  KernelInfo info(node, opset, types, constants);
  ASSIGN_OR_RETURN(const KernelDef* def, registry.Find(node.domain, node.op_type, opset, types));
  if (!def->sequence_inputs.empty() || !def->sequence_outputs.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        node.op_type, " node '", node.name,
        "' reads or produces sequences of tensors, which only run inside a model"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, def->factory(info));
  std::vector<bool> wanted;
  for (const std::string& out : node.outputs) wanted.push_back(!out.empty());
  StandaloneContext ctx(inputs, info.output_types(), wanted);
  RETURN_IF_ERROR(kernel->Compute(ctx));
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    if (wanted[i] && !ctx.output_set(i)) {
      return absl::InternalError(
          absl::StrCat(node.op_type, " kernel did not produce output ", i));
    }
  }
  return std::move(ctx.outputs());
}

}  // namespace berth::engine
