// Helpers shared by the math kernels: axis handling, integer-list inputs, type dispatch over
// the element types the math ops accept, and a per-shape cache for oneDNN primitives.
#ifndef BERTH_ENGINE_KERNELS_MATH_MATH_UTIL_H_
#define BERTH_ENGINE_KERNELS_MATH_MATH_UTIL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"
#include "engine/kernels/kernel.h"

namespace dnnl {
struct error;
}  // namespace dnnl

namespace berth::engine {

// "MatMul node 'name'": the prefix of every error a kernel reports at run time, matching
// KernelInfo::Error's prefix at load time.
std::string NodeLabel(const Node& node);

// InvalidArgument "<label>: <message>".
absl::Status NodeError(absl::string_view label, absl::string_view message);

// Maps `axis` from [-rank, rank) to [0, rank); InvalidArgument naming `label` otherwise.
absl::StatusOr<int> NormalizeAxis(absl::string_view label, int64_t axis, int rank);

// The values of an int32 or int64 tensor (axes, k, ...) as int64; InvalidArgument for any
// other type.
absl::StatusOr<std::vector<int64_t>> ReadIntList(absl::string_view label, absl::string_view what,
                                                 const Tensor& tensor);

// The product of dims [begin, end).
int64_t DimProduct(absl::Span<const int64_t> shape, int begin, int end);

// Sets output i's type when the node has an output i (trailing optional outputs may be left
// out of the node).
void SetOutputType(KernelInfo& info, int i, DataType type);

// Converts a oneDNN exception to Internal, naming what was being done.
absl::Status DnnlErrorToStatus(absl::string_view label, absl::string_view what,
                               const dnnl::error& error);

// Arithmetic type for an element type: float for the 16-bit floats, T otherwise.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<Float16> {
  using type = float;
};
template <>
struct ComputeType<BFloat16> {
  using type = float;
};
template <typename T>
using ComputeT = typename ComputeType<T>::type;

// Dispatch over type families; each returns false (without calling fn) for other types.
template <typename Fn>
bool VisitFloatTypes(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kFloat: fn(float{}); return true;
    case DataType::kDouble: fn(double{}); return true;
    case DataType::kFloat16: fn(Float16{}); return true;
    case DataType::kBFloat16: fn(BFloat16{}); return true;
    default: return false;
  }
}

// float, double, float16, bfloat16, int32, int64, uint32, uint64.
template <typename Fn>
bool VisitWideNumericTypes(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kInt32: fn(int32_t{}); return true;
    case DataType::kInt64: fn(int64_t{}); return true;
    case DataType::kUint32: fn(uint32_t{}); return true;
    case DataType::kUint64: fn(uint64_t{}); return true;
    default: return VisitFloatTypes(type, std::forward<Fn>(fn));
  }
}

// The wide numeric types plus int8 and uint8.
template <typename Fn>
bool VisitAllNumericTypes(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kInt8: fn(int8_t{}); return true;
    case DataType::kUint8: fn(uint8_t{}); return true;
    default: return VisitWideNumericTypes(type, std::forward<Fn>(fn));
  }
}

inline const std::vector<DataType>& FloatTypes() {
  static const auto* types = new std::vector<DataType>{DataType::kFloat, DataType::kDouble,
                                                       DataType::kFloat16, DataType::kBFloat16};
  return *types;
}
inline const std::vector<DataType>& WideNumericTypes() {
  static const auto* types = new std::vector<DataType>{
      DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16,
      DataType::kInt32, DataType::kInt64,  DataType::kUint32,  DataType::kUint64};
  return *types;
}
inline const std::vector<DataType>& AllNumericTypes() {
  static const auto* types = new std::vector<DataType>{
      DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16,
      DataType::kInt32, DataType::kInt64,  DataType::kUint32,  DataType::kUint64,
      DataType::kInt8,  DataType::kUint8};
  return *types;
}

// Elements above which a plain loop is worth splitting over OpenMP threads.
inline constexpr int64_t kParallelThreshold = 1 << 16;

using ShapeKey = absl::InlinedVector<int64_t, 24>;

// A small cache of prepared entries (oneDNN primitives and their descriptors) keyed by input
// shapes. Thread-safe. Bounded: the oldest entry is dropped when it is full, so a model fed
// ever-changing shapes keeps a constant footprint. Entries are shared_ptr so that a run still
// using an evicted entry keeps it alive.
template <typename Entry>
class PrimitiveCache {
 public:
  explicit PrimitiveCache(size_t capacity = 32) : capacity_(capacity) {}

  // The entry for `key`, built with make() -> StatusOr<Entry> on a miss. A failed build is
  // not cached.
  template <typename Make>
  absl::StatusOr<std::shared_ptr<const Entry>> GetOrCreate(const ShapeKey& key, Make&& make) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, entry] : entries_) {
      if (k == key) return entry;
    }
    absl::StatusOr<Entry> built = make();
    if (!built.ok()) return built.status();
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    auto entry = std::make_shared<const Entry>(std::move(built).value());
    entries_.emplace_back(key, entry);
    return entry;
  }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<ShapeKey, std::shared_ptr<const Entry>>> entries_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_MATH_UTIL_H_
