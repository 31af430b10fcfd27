#include "engine/kernels/tensor/data_movement.h"

#include <algorithm>
#include <cstring>

namespace berth::engine::tensor_kernels {
namespace {

// A strided copy after merging dimensions: dims[k] with the strides of both sides.
struct CopyPlan {
  Shape dims;
  Shape src;
  Shape dst;
  int rank() const { return static_cast<int>(dims.size()); }
};

CopyPlan Coalesce(absl::Span<const int64_t> shape, absl::Span<const int64_t> src_strides,
                  absl::Span<const int64_t> dst_strides) {
  CopyPlan plan;
  for (size_t k = 0; k < shape.size(); ++k) {
    int64_t d = shape[k];
    if (d == 1) continue;
    if (!plan.dims.empty() && plan.src.back() == src_strides[k] * d &&
        plan.dst.back() == dst_strides[k] * d) {
      plan.dims.back() *= d;
      plan.src.back() = src_strides[k];
      plan.dst.back() = dst_strides[k];
      continue;
    }
    plan.dims.push_back(d);
    plan.src.push_back(src_strides[k]);
    plan.dst.push_back(dst_strides[k]);
  }
  return plan;
}

// Offsets of the first element of item `index` of the first `outer` dims of `plan`.
void OffsetsOf(const CopyPlan& plan, int outer, int64_t index, int64_t* src, int64_t* dst) {
  for (int k = outer - 1; k >= 0; --k) {
    int64_t i = index % plan.dims[k];
    index /= plan.dims[k];
    *src += i * plan.src[k];
    *dst += i * plan.dst[k];
  }
}

template <typename U>
void CopyRow(const U* src, int64_t src_stride, U* dst, int64_t dst_stride, int64_t n) {
  if (src_stride == 1 && dst_stride == 1) {
    std::copy_n(src, n, dst);
    return;
  }
  for (int64_t j = 0; j < n; ++j) dst[j * dst_stride] = src[j * src_stride];
}

// Rows of the last dimension; rows [begin, end) of the outer dims, counting up incrementally.
template <typename U>
void CopyRowRange(const U* src, U* dst, const CopyPlan& plan, int64_t begin, int64_t end) {
  int outer = plan.rank() - 1;
  int64_t n = plan.dims[outer];
  absl::InlinedVector<int64_t, 8> index(outer, 0);
  int64_t rest = begin;
  for (int k = outer - 1; k >= 0; --k) {
    index[k] = rest % plan.dims[k];
    rest /= plan.dims[k];
  }
  int64_t s = 0;
  int64_t d = 0;
  OffsetsOf(plan, outer, begin, &s, &d);
  for (int64_t row = begin; row < end; ++row) {
    CopyRow(src + s, plan.src[outer], dst + d, plan.dst[outer], n);
    for (int k = outer - 1; k >= 0; --k) {
      s += plan.src[k];
      d += plan.dst[k];
      if (++index[k] < plan.dims[k]) break;
      s -= plan.src[k] * plan.dims[k];
      d -= plan.dst[k] * plan.dims[k];
      index[k] = 0;
    }
  }
}

// The last two dims read column-wise and written row-wise: copy tile by tile so that both
// sides stay in cache.
template <typename U>
void CopyTransposedTiles(const U* src, U* dst, const CopyPlan& plan, int threads) {
  constexpr int64_t kTile = 32;
  int r = plan.rank();
  int64_t rows = plan.dims[r - 2];
  int64_t cols = plan.dims[r - 1];
  int64_t src_col_stride = plan.src[r - 1];
  int64_t dst_row_stride = plan.dst[r - 2];
  int64_t outer = NumElementsOf(absl::MakeConstSpan(plan.dims).subspan(0, r - 2));
  int64_t row_tiles = (rows + kTile - 1) / kTile;
  int64_t items = outer * row_tiles;
  bool parallel = threads > 1 && outer * rows * cols > kParallelThreshold;
#pragma omp parallel for num_threads(threads) if (parallel)
  for (int64_t item = 0; item < items; ++item) {
    int64_t s = 0;
    int64_t d = 0;
    OffsetsOf(plan, r - 2, item / row_tiles, &s, &d);
    int64_t r0 = (item % row_tiles) * kTile;
    int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t i = r0; i < r1; ++i) {
        const U* in = src + s + i;
        U* out = dst + d + i * dst_row_stride;
        for (int64_t j = c0; j < c1; ++j) out[j] = in[j * src_col_stride];
      }
    }
  }
}

template <typename U>
void CopyPlanned(const U* src, U* dst, const CopyPlan& plan, int threads) {
  int r = plan.rank();
  if (r == 0) {
    dst[0] = src[0];
    return;
  }
  if (r >= 2 && plan.dst[r - 1] == 1 && plan.src[r - 1] != 1 && plan.src[r - 2] == 1) {
    CopyTransposedTiles(src, dst, plan, threads);
    return;
  }
  int64_t rows = NumElementsOf(absl::MakeConstSpan(plan.dims).subspan(0, r - 1));
  bool parallel = threads > 1 && rows > 1 && rows * plan.dims[r - 1] > kParallelThreshold;
  if (!parallel) {
    CopyRowRange(src, dst, plan, 0, rows);
    return;
  }
  int64_t chunks = std::min<int64_t>(rows, threads * 4);
#pragma omp parallel for num_threads(threads)
  for (int64_t c = 0; c < chunks; ++c) {
    CopyRowRange(src, dst, plan, rows * c / chunks, rows * (c + 1) / chunks);
  }
}

}  // namespace

void CopyAll(const Tensor& src, Tensor& dst) {
  if (src.dtype() == DataType::kString) {
    std::copy_n(src.strings().begin(), src.num_elements(), dst.strings().begin());
    return;
  }
  if (src.byte_size() > 0) std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
}

void CopyElements(const Tensor& src, int64_t src_index, Tensor& dst, int64_t dst_index,
                  int64_t count) {
  if (count <= 0) return;
  VisitElementUnit(src.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    std::copy_n(Units<U>(src) + src_index, count, MutableUnits<U>(dst) + dst_index);
  });
}

void ZeroElements(Tensor& dst, int64_t index, int64_t count) {
  if (count <= 0) return;
  if (dst.dtype() == DataType::kString) {
    std::fill_n(dst.strings().begin() + index, count, std::string());
    return;
  }
  size_t size = DataTypeSize(dst.dtype());
  std::memset(static_cast<char*>(dst.raw_data()) + index * size, 0, count * size);
}

void FillElements(Tensor& dst, int64_t index, int64_t count, const Tensor& value) {
  if (count <= 0) return;
  VisitElementUnit(dst.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    std::fill_n(MutableUnits<U>(dst) + index, count, Units<U>(value)[0]);
  });
}

Shape RowMajorStrides(absl::Span<const int64_t> shape) {
  Shape strides(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; --k) {
    strides[k] = strides[k + 1] * shape[k + 1];
  }
  return strides;
}

void CopyStrided(const Tensor& src, int64_t src_offset, absl::Span<const int64_t> src_strides,
                 Tensor& dst, int64_t dst_offset, absl::Span<const int64_t> dst_strides,
                 absl::Span<const int64_t> shape, int threads) {
  for (int64_t d : shape) {
    if (d == 0) return;
  }
  CopyPlan plan = Coalesce(shape, src_strides, dst_strides);
  VisitElementUnit(src.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    CopyPlanned(Units<U>(src) + src_offset, MutableUnits<U>(dst) + dst_offset, plan, threads);
  });
}

void CopyStridedToDense(const Tensor& src, int64_t src_offset,
                        absl::Span<const int64_t> src_strides, absl::Span<const int64_t> shape,
                        Tensor& dst, int threads) {
  CopyStrided(src, src_offset, src_strides, dst, 0, RowMajorStrides(shape), shape, threads);
}

}  // namespace berth::engine::tensor_kernels
