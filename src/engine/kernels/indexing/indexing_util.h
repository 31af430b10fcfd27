// Helpers the indexing kernels share: error labels, type-generic element storage, index
// reads, axis normalisation and a threshold-guarded parallel loop.
//
// Everything here lives in berth::engine::indexing so that it cannot collide with the
// helpers of other kernel categories linked into the same binary.
#ifndef BERTH_ENGINE_KERNELS_INDEXING_INDEXING_UTIL_H_
#define BERTH_ENGINE_KERNELS_INDEXING_INDEXING_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"

namespace berth::engine::indexing {

// Loops with more iterations than this run on OpenMP threads; shorter ones stay serial.
inline constexpr int64_t kParallelThreshold = 1 << 16;

// The "<Op> node '<name>'" prefix of a kernel's run-time errors, kept by value in the kernel.
class NodeLabel {
 public:
  NodeLabel() = default;
  explicit NodeLabel(const KernelInfo& info);
  // InvalidArgument "<label>: <message>".
  absl::Status Error(absl::string_view message) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// An element of N bytes moved as a unit. Copying one is a byte copy, so it may stand in for
// any fixed-size element type without aliasing concerns.
template <size_t N>
struct alignas(N) RawElement {
  unsigned char bytes[N];
};

// Calls fn(T{}) where T is RawElement<DataTypeSize(type)> for fixed-size types and
// std::string for kString. Data-movement kernels use it to stay free of per-type templates.
// Returns false (without calling fn) for kUndefined.
template <typename Fn>
bool VisitStorageType(DataType type, Fn&& fn) {
  if (type == DataType::kString) {
    fn(std::string{});
    return true;
  }
  switch (DataTypeSize(type)) {
    case 1: fn(RawElement<1>{}); return true;
    case 2: fn(RawElement<2>{}); return true;
    case 4: fn(RawElement<4>{}); return true;
    case 8: fn(RawElement<8>{}); return true;
    default: return false;
  }
}

// Element storage viewed as T (a RawElement of the right size, or std::string).
template <typename T>
const T* StorageOf(const Tensor& t) {
  if constexpr (std::is_same_v<T, std::string>) {
    return t.strings().data();
  } else {
    return static_cast<const T*>(t.raw_data());
  }
}
template <typename T>
T* MutableStorageOf(Tensor& t) {
  if constexpr (std::is_same_v<T, std::string>) {
    return t.strings().data();
  } else {
    return static_cast<T*>(t.raw_data());
  }
}

// Copies all of `src` into `dst`, which must already have src's type and element count.
void CopyAllElements(const Tensor& src, Tensor& dst);

// Reads an int32 or int64 index tensor as int64 values.
class IndexView {
 public:
  explicit IndexView(const Tensor& t)
      : data_(t.raw_data()), is64_(t.dtype() == DataType::kInt64) {}
  int64_t operator[](int64_t i) const {
    return is64_ ? static_cast<const int64_t*>(data_)[i]
                 : static_cast<const int32_t*>(data_)[i];
  }

 private:
  const void* data_;
  bool is64_;
};

inline bool IsIndexType(DataType type) {
  return type == DataType::kInt32 || type == DataType::kInt64;
}

// At load: OK when input `i` (the indices) is int32 or int64, else InvalidArgument naming the
// node and the type that came.
absl::Status CheckIndexInput(const KernelInfo& info, int i);

// `axis` in [-rank, rank - 1] mapped to [0, rank); otherwise InvalidArgument from `label`.
absl::StatusOr<int> NormalizeAxis(const NodeLabel& label, int64_t axis, int rank);

// Checks index `value` against an axis of size `dim` ([-dim, dim - 1]) and returns it in
// [0, dim). Fails with InvalidArgument naming the index, the axis and the bound.
absl::StatusOr<int64_t> NormalizeIndex(const NodeLabel& label, int64_t value, int64_t dim,
                                       int axis);

// The row-major strides (in elements) of `shape`.
Shape StridesOf(absl::Span<const int64_t> shape);

// Product of shape[begin, end).
int64_t DimProduct(absl::Span<const int64_t> shape, int begin, int end);

// The single value of a one-element numeric tensor as double; InvalidArgument naming `what`
// when `t` holds another number of elements or is not numeric.
absl::StatusOr<double> ScalarValue(const NodeLabel& label, absl::string_view what,
                                   const Tensor& t);

// Element i of a numeric tensor (any numeric or bool type) as double.
double ElementAsDouble(const Tensor& t, int64_t i);

// Conversions between double and a numeric element type; float16 and bfloat16 go through
// float. FromDouble does a plain cast (no rounding or saturation for integer types).
template <typename T>
double ToDouble(const T& v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v);
  } else {
    return static_cast<double>(v);
  }
}
template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Runs fn(i) for i in [0, n), on OpenMP threads when n exceeds kParallelThreshold (or when
// `work` does, for loops whose iterations are themselves large).
template <typename Fn>
void ParallelFor(int64_t n, int64_t work, Fn&& fn) {
  if (work > kParallelThreshold && n > 1) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) fn(i);
  } else {
    for (int64_t i = 0; i < n; ++i) fn(i);
  }
}

}  // namespace berth::engine::indexing

#endif  // BERTH_ENGINE_KERNELS_INDEXING_INDEXING_UTIL_H_
