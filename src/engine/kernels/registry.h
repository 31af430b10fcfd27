// The kernel registry: maps (domain, op type, opset, input type) to a kernel factory.
//
// Every kernel is registered explicitly: each op file exports RegisterXxx(KernelRegistry&),
// each category's register_*.cc calls its files, and RegisterAllKernels (register_all.cc)
// calls the categories. No static initializers.
#ifndef BERTH_ENGINE_KERNELS_REGISTRY_H_
#define BERTH_ENGINE_KERNELS_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

using KernelFactory = std::function<absl::StatusOr<std::unique_ptr<Kernel>>(KernelInfo&)>;

struct KernelDef {
  std::string domain;  // "" = default ONNX domain
  std::string op_type;
  int since_version = 1;  // first opset this kernel implements
  int end_version = 21;   // last opset (inclusive)
  // The input whose type selects the kernel, and the types accepted there (empty = any).
  int type_input = 0;
  std::vector<DataType> types;
  KernelFactory factory;
  // Inputs that take, and outputs that give, sequences of tensors rather than tensors (by
  // index); sequence inputs are required. For a sequence input, `types`, KernelInfo's
  // input_type and output_types mean the element type. The runtime refuses at load a node
  // whose inputs do not match (a sequence where a tensor is expected, or the reverse).
  std::vector<int> sequence_inputs = {};
  std::vector<int> sequence_outputs = {};
};

// Built once (RegisterAllKernels), then read-only: safe to share between threads.
class KernelRegistry {
 public:
  // Adds a definition. Definitions for the same op must not overlap in opset and type;
  // overlapping ones fail with AlreadyExists.
  absl::Status Register(KernelDef def);

  // The definition for a node at `opset` whose inputs have `input_types` (kUndefined for a
  // missing one). Fails with Unimplemented naming the op, domain and opset when there is
  // none, or naming the type when only the type is unsupported.
  absl::StatusOr<const KernelDef*> Find(const std::string& domain, const std::string& op_type,
                                        int opset,
                                        const std::vector<DataType>& input_types) const;

  // Every registered definition, for listings.
  std::vector<const KernelDef*> All() const;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<KernelDef>> defs_;
};

// The registry with every kernel berth has, built on first use.
const KernelRegistry& GlobalKernelRegistry();

// Registers every kernel category. Defined in register_all.cc.
absl::Status RegisterAllKernels(KernelRegistry& registry);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_REGISTRY_H_
