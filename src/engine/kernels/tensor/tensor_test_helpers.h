// Test-only helpers shared by the tensor kernels' unit tests.
#ifndef BERTH_ENGINE_KERNELS_TENSOR_TENSOR_TEST_HELPERS_H_
#define BERTH_ENGINE_KERNELS_TENSOR_TENSOR_TEST_HELPERS_H_

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"

namespace berth::engine::testing {

// A tensor holding 0, 1, 2, ... in row-major order (wrapping for narrow integer types).
template <typename T>
Tensor Iota(Shape shape) {
  std::vector<T> values(NumElementsOf(shape));
  for (size_t i = 0; i < values.size(); ++i) {
    if constexpr (std::is_integral_v<T>) {
      values[i] = static_cast<T>(i);
    } else {
      values[i] = static_cast<T>(static_cast<float>(i));
    }
  }
  return MakeTensor<T>(shape, values);
}

// A 1-D int64 tensor.
inline Tensor Int64s(const std::vector<int64_t>& values) {
  return MakeTensor<int64_t>({static_cast<int64_t>(values.size())}, values);
}

// Runs `node` and returns its first output, or the error.
inline absl::StatusOr<Tensor> RunFirst(const Node& node, int opset,
                                       const std::vector<const Tensor*>& inputs) {
  absl::StatusOr<std::vector<Tensor>> outputs = RunNode(node, opset, inputs);
  if (!outputs.ok()) return outputs.status();
  return std::move((*outputs)[0]);
}

// As RunFirst, with `threads` intra-op threads (RunNode uses one), to reach parallel paths.
inline absl::StatusOr<Tensor> RunFirstThreaded(const Node& node, int opset,
                                               const std::vector<const Tensor*>& inputs,
                                               int threads) {
  std::vector<DataType> types;
  for (const Tensor* t : inputs) types.push_back(t ? t->dtype() : DataType::kUndefined);
  KernelInfo info(node, opset, types, std::vector<const Tensor*>(inputs.size(), nullptr));
  absl::StatusOr<const KernelDef*> def =
      GlobalKernelRegistry().Find(node.domain, node.op_type, opset, types);
  if (!def.ok()) return def.status();
  absl::StatusOr<std::unique_ptr<Kernel>> kernel = (*def)->factory(info);
  if (!kernel.ok()) return kernel.status();
  StandaloneContext ctx(inputs, info.output_types(), {}, threads);
  absl::Status status = (*kernel)->Compute(ctx);
  if (!status.ok()) return status;
  return std::move(ctx.outputs()[0]);
}

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_KERNELS_TENSOR_TENSOR_TEST_HELPERS_H_
