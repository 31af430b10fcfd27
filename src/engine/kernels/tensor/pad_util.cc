#include "engine/kernels/tensor/pad_util.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"

namespace berth::engine::tensor_kernels {
namespace {

// Output index -> input index along one axis whose kept input range is [lo, lo + kept) and
// which gets `before` new elements in front; -1 means the constant.
int64_t SourceIndex(int64_t o, int64_t before, int64_t lo, int64_t kept, PadMode mode) {
  int64_t i = o - before;
  if (i >= 0 && i < kept) return lo + i;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return lo + std::clamp<int64_t>(i, 0, kept - 1);
    case PadMode::kWrap: return lo + ((i % kept) + kept) % kept;
    case PadMode::kReflect: {
      if (kept == 1) return lo;
      int64_t period = 2 * (kept - 1);
      int64_t m = ((i % period) + period) % period;
      return lo + (m < kept ? m : period - m);
    }
  }
  return -1;
}

struct PadGeometry {
  int rank = 0;
  Shape out_dims;
  Shape in_strides;
  Shape map_offsets;        // where each axis' map starts in `maps`
  const int64_t* maps = nullptr;
  int64_t before = 0;       // of the last axis
  int64_t lo = 0;           // of the last axis
  int64_t kept = 0;         // of the last axis
};

template <typename U>
void PadRows(const U* src, U* dst, const U& value, const PadGeometry& g, int64_t begin,
             int64_t end) {
  int last = g.rank - 1;
  int64_t width = g.out_dims[last];
  const int64_t* last_map = g.maps + g.map_offsets[last];
  for (int64_t row = begin; row < end; ++row) {
    U* out = dst + row * width;
    int64_t base = 0;
    bool constant_row = false;
    for (int64_t k = last - 1, rest = row; k >= 0; --k) {
      int64_t m = g.maps[g.map_offsets[k] + rest % g.out_dims[k]];
      rest /= g.out_dims[k];
      if (m < 0) {
        constant_row = true;
        break;
      }
      base += m * g.in_strides[k];
    }
    if (constant_row) {
      std::fill_n(out, width, value);
      continue;
    }
    int64_t middle_end = std::min(width, g.before + g.kept);
    for (int64_t j = 0; j < width; ++j) {
      if (j == g.before && g.kept > 0) {
        std::copy_n(src + base + g.lo, middle_end - j, out + j);
        j = middle_end - 1;
        continue;
      }
      int64_t m = last_map[j];
      out[j] = m < 0 ? value : src[base + m];
    }
  }
}

}  // namespace

absl::Status PadInto(absl::string_view op, const Tensor& in, absl::Span<const int64_t> before,
                     absl::Span<const int64_t> after, PadMode mode, const Tensor& value,
                     KernelContext& ctx) {
  PadGeometry g;
  g.rank = in.rank();
  Shape lo(g.rank), kept(g.rank), front(g.rank);
  int64_t map_total = 0;
  for (int k = 0; k < g.rank; ++k) {
    lo[k] = std::max<int64_t>(0, -before[k]);
    kept[k] = in.dim(k) - lo[k] - std::max<int64_t>(0, -after[k]);
    front[k] = std::max<int64_t>(0, before[k]);
    int64_t out_dim = kept[k] + front[k] + std::max<int64_t>(0, after[k]);
    if (kept[k] < 0 || out_dim < 0) {
      return OpError(op, "pads [", absl::StrJoin(before, ","), "]/[", absl::StrJoin(after, ","),
                     "] crop more than the input shape ", ShapeToString(in.shape()));
    }
    if (kept[k] == 0 && out_dim > 0 && mode != PadMode::kConstant) {
      return OpError(op, "cannot pad empty axis ", k, " in a non-constant mode");
    }
    g.out_dims.push_back(out_dim);
    g.map_offsets.push_back(map_total);
    map_total += out_dim;
  }
  ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, g.out_dims, in.dtype()));
  if (out->num_elements() == 0) return absl::OkStatus();
  if (g.rank == 0) {
    CopyAll(in, *out);
    return absl::OkStatus();
  }
  auto* maps = static_cast<int64_t*>(ctx.Scratch(map_total * sizeof(int64_t)));
  if (maps == nullptr) return absl::ResourceExhaustedError("Pad: no scratch memory");
  for (int k = 0; k < g.rank; ++k) {
    for (int64_t o = 0; o < g.out_dims[k]; ++o) {
      maps[g.map_offsets[k] + o] = SourceIndex(o, front[k], lo[k], kept[k], mode);
    }
  }
  g.maps = maps;
  g.in_strides = RowMajorStrides(in.shape());
  g.before = front[g.rank - 1];
  g.lo = lo[g.rank - 1];
  g.kept = kept[g.rank - 1];
  int64_t rows = out->num_elements() / g.out_dims[g.rank - 1];
  int threads = ctx.intra_op_threads();
  bool parallel = threads > 1 && rows > 1 && out->num_elements() > kParallelThreshold;
  VisitElementUnit(in.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U* src = Units<U>(in);
    U* dst = MutableUnits<U>(*out);
    const U& fill = Units<U>(value)[0];
    int64_t chunks = parallel ? std::min<int64_t>(rows, threads * 4) : 1;
#pragma omp parallel for num_threads(threads) if (parallel)
    for (int64_t c = 0; c < chunks; ++c) {
      PadRows(src, dst, fill, g, rows * c / chunks, rows * (c + 1) / chunks);
    }
  });
  return absl::OkStatus();
}

}  // namespace berth::engine::tensor_kernels
