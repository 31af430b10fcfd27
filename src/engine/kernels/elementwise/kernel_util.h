// Small helpers the elementwise kernels share: error labels, input checks, scalar reads.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_KERNEL_UTIL_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_KERNEL_UTIL_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine {

// "Op node 'name'": the prefix of errors a kernel reports at run time.
std::string NodeLabel(const KernelInfo& info);

// InvalidArgument "<label>: <message>".
absl::Status LabeledError(const std::string& label, const std::string& message);

// Input i of the run, checked present and of `type`. Fails with InvalidArgument otherwise.
absl::StatusOr<const Tensor*> RequireInput(const std::string& label, const KernelContext& ctx,
                                           int i, DataType type);

// The single element of `t` (any numeric or bool type) as a double. Fails with
// InvalidArgument naming `what` when `t` does not hold exactly one element.
absl::StatusOr<double> ScalarAsDouble(const std::string& label, const std::string& what,
                                      const Tensor& t);

// Element storage of a tensor of C++ type T (strings live out of line).
template <typename T>
const T* ElementsOf(const Tensor& t) {
  if constexpr (std::is_same_v<T, std::string>) {
    return t.strings().data();
  } else {
    return t.data<T>();
  }
}
template <typename T>
T* MutableElementsOf(Tensor& t) {
  if constexpr (std::is_same_v<T, std::string>) {
    return t.strings().data();
  } else {
    return t.data<T>();
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_KERNEL_UTIL_H_
