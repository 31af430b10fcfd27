// A KernelContext that owns its outputs and a oneDNN stream: for running one kernel outside
// a model (constant folding at load, kernel unit tests).
#ifndef BERTH_ENGINE_KERNELS_STANDALONE_CONTEXT_H_
#define BERTH_ENGINE_KERNELS_STANDALONE_CONTEXT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

class StandaloneContext : public KernelContext {
 public:
  // `inputs` may contain nulls (missing optional inputs); they must outlive the context.
  // `output_types` come from KernelInfo::output_types(); `wanted[i]` false marks an output
  // the caller does not use (empty name).
  StandaloneContext(std::vector<const Tensor*> inputs, std::vector<DataType> output_types,
                    std::vector<bool> wanted, int intra_op_threads = 1);
  ~StandaloneContext() override;

  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  const Tensor* input(int i) const override;
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  absl::StatusOr<Tensor*> Output(int i, absl::Span<const int64_t> shape) override;
  absl::StatusOr<Tensor*> OutputWithType(int i, DataType dtype,
                                         absl::Span<const int64_t> shape) override;
  bool output_wanted(int i) const override;
  void* Scratch(size_t bytes) override;
  dnnl::engine& dnnl_engine() override;
  dnnl::stream& dnnl_stream() override;
  int intra_op_threads() const override { return intra_op_threads_; }

  // The outputs after Compute; moved out by the caller.
  std::vector<Tensor>& outputs() { return outputs_; }
  // True when the kernel gave output i a shape (called Output for it).
  bool output_set(int i) const { return output_set_[i]; }

 private:
  std::vector<const Tensor*> inputs_;
  std::vector<DataType> output_types_;
  std::vector<bool> wanted_;
  std::vector<Tensor> outputs_;
  std::vector<bool> output_set_;
  Tensor scratch_;
  std::unique_ptr<dnnl::stream> stream_;
  int intra_op_threads_;
};

// Runs one node's kernel on `inputs` (nulls for missing optional inputs) at `opset`, with the
// inputs also passed as constants to the factory when `inputs_are_constant`. Returns the
// outputs in order (an unwanted output is an empty tensor). For tests and constant folding.
// Fails with FailedPrecondition for a kernel that reads or produces sequences of tensors
// (see KernelDef::sequence_inputs), so constant folding leaves those nodes in the graph.
absl::StatusOr<std::vector<Tensor>> RunNodeOnce(const KernelRegistry& registry, const Node& node,
                                                int opset,
                                                const std::vector<const Tensor*>& inputs,
                                                bool inputs_are_constant = true);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_STANDALONE_CONTEXT_H_
