// Type-generic element copies for the data-movement kernels (Reshape, Transpose, Slice, Pad...).
//
// Kernels here never template on the element type: an element is moved as an opaque unit of its
// size (1, 2, 4 or 8 bytes), or as a std::string for kString tensors, whose elements live in
// Tensor::strings(). All functions require src and dst to have the same dtype and assume the
// caller has validated indices, shapes and strides against both tensors.
#ifndef BERTH_ENGINE_KERNELS_TENSOR_DATA_MOVEMENT_H_
#define BERTH_ENGINE_KERNELS_TENSOR_DATA_MOVEMENT_H_

#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/types/span.h"
#include "engine/core/tensor.h"

namespace berth::engine::tensor_kernels {

// Elements above which loops are split across OpenMP threads.
inline constexpr int64_t kParallelThreshold = 64 * 1024;

// Calls fn(std::type_identity<U>{}) with U = uint8_t, uint16_t, uint32_t or uint64_t (by element
// size) or std::string for kString. Returns false without calling fn for unknown types.
template <typename Fn>
bool VisitElementUnit(DataType type, Fn&& fn) {
  if (type == DataType::kString) {
    fn(std::type_identity<std::string>{});
    return true;
  }
  switch (DataTypeSize(type)) {
    case 1: fn(std::type_identity<uint8_t>{}); return true;
    case 2: fn(std::type_identity<uint16_t>{}); return true;
    case 4: fn(std::type_identity<uint32_t>{}); return true;
    case 8: fn(std::type_identity<uint64_t>{}); return true;
    default: return false;
  }
}

// The element array of `t` seen as units U (strings() for std::string).
template <typename U>
const U* Units(const Tensor& t) {
  if constexpr (std::is_same_v<U, std::string>) {
    return t.strings().data();
  } else {
    return static_cast<const U*>(t.raw_data());
  }
}
template <typename U>
U* MutableUnits(Tensor& t) {
  if constexpr (std::is_same_v<U, std::string>) {
    return t.strings().data();
  } else {
    return static_cast<U*>(t.raw_data());
  }
}

// Copies every element of `src` into `dst`, which has the same dtype and element count: one
// memcpy for numeric types.
void CopyAll(const Tensor& src, Tensor& dst);

// Copies `count` consecutive elements from src[src_index] to dst[dst_index].
void CopyElements(const Tensor& src, int64_t src_index, Tensor& dst, int64_t dst_index,
                  int64_t count);

// Sets `count` elements from dst[index] to zero bits (the empty string for kString).
void ZeroElements(Tensor& dst, int64_t index, int64_t count);

// Sets `count` elements from dst[index] to value[0]; `value` has dst's dtype.
void FillElements(Tensor& dst, int64_t index, int64_t count, const Tensor& value);

// Row-major strides, in elements, of `shape`.
Shape RowMajorStrides(absl::Span<const int64_t> shape);

// For every multi-index i over `shape`:
//   dst[dst_offset + sum_k i_k * dst_strides[k]] = src[src_offset + sum_k i_k * src_strides[k]].
// Strides may be zero (broadcast) or negative (reversal). Adjacent dimensions that are
// contiguous in both tensors are merged first, rows contiguous in both become one copy, and a
// batch of 2-D transposes (the 2-D and the NCHW<->NHWC cases) is copied in cache-sized tiles.
// Uses up to `threads` OpenMP threads when the copy is large.
void CopyStrided(const Tensor& src, int64_t src_offset, absl::Span<const int64_t> src_strides,
                 Tensor& dst, int64_t dst_offset, absl::Span<const int64_t> dst_strides,
                 absl::Span<const int64_t> shape, int threads);

// CopyStrided into all of `dst`, read in row-major order of `shape` (whose element count is
// dst's).
void CopyStridedToDense(const Tensor& src, int64_t src_offset,
                        absl::Span<const int64_t> src_strides, absl::Span<const int64_t> shape,
                        Tensor& dst, int threads);

}  // namespace berth::engine::tensor_kernels

#endif  // BERTH_ENGINE_KERNELS_TENSOR_DATA_MOVEMENT_H_
