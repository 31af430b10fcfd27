// The `reduction` attribute of ScatterElements and ScatterND, and the dispatch that binds it
// to an element type.
#ifndef BERTH_ENGINE_KERNELS_INDEXING_SCATTER_REDUCTION_H_
#define BERTH_ENGINE_KERNELS_INDEXING_SCATTER_REDUCTION_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/kernels/indexing/indexing_util.h"
#include "engine/kernels/kernel.h"

namespace berth::engine::indexing {

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

// Reads "reduction" as the opset allows it: "none" always, "add"/"mul" from opset 16,
// "max"/"min" from 18. Also rejects a reduction on string data, which has no arithmetic.
absl::StatusOr<ScatterReduction> ParseScatterReduction(const KernelInfo& info);

template <typename T>
float AsFloat(T v) {
  return static_cast<float>(v);
}

template <typename T>
T Reduce(ScatterReduction r, T a, T b) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(Reduce(r, AsFloat(a), AsFloat(b)));
  } else if constexpr (std::is_same_v<T, bool>) {
    bool any = r == ScatterReduction::kAdd || r == ScatterReduction::kMax;
    return any ? (a || b) : (a && b);
  } else {
    switch (r) {
      case ScatterReduction::kAdd: return static_cast<T>(a + b);
      case ScatterReduction::kMul: return static_cast<T>(a * b);
      case ScatterReduction::kMax: return std::max(a, b);
      case ScatterReduction::kMin: return std::min(a, b);
      case ScatterReduction::kNone: return b;
    }
    return b;
  }
}

// Calls loop(apply) once, where apply(dst_index, src_index) combines element src_index of
// `updates` into element dst_index of `out` under `reduction`. `out` and `updates` share a
// type; `loop` issues the pairs in the order ONNX defines (later updates win for kNone).
// Fails with InvalidArgument when the type has no arithmetic for the reduction.
template <typename Loop>
absl::Status DispatchScatter(const NodeLabel& label, ScatterReduction reduction,
                             const Tensor& updates, Tensor& out, Loop&& loop) {
  if (reduction == ScatterReduction::kNone) {
    VisitStorageType(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* dst = MutableStorageOf<T>(out);
      const T* src = StorageOf<T>(updates);
      loop([&](int64_t d, int64_t s) { dst[d] = src[s]; });
    });
    return absl::OkStatus();
  }
  bool known = VisitNumericType(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    const T* src = updates.data<T>();
    loop([&](int64_t d, int64_t s) { dst[d] = Reduce(reduction, dst[d], src[s]); });
  });
  if (!known) return label.Error("reduction is not supported for this element type");
  return absl::OkStatus();
}

}  // namespace berth::engine::indexing

#endif  // BERTH_ENGINE_KERNELS_INDEXING_SCATTER_REDUCTION_H_
