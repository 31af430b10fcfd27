#include "engine/kernels/indexing/resize_core.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace berth::engine::indexing {
namespace {

// Carves one ctx.Scratch block into 64-byte aligned regions.
class ScratchPlan {
 public:
  template <typename T>
  size_t Reserve(int64_t count) {
    size_t offset = bytes_;
    bytes_ += (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
    return offset;
  }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

template <typename T>
T* At(void* base, size_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

// A value computed in double or float, stored as V: rounded half to even and saturated for
// integer types, as ONNX's reference casts results.
template <typename V, typename Acc>
V FromAcc(Acc v) {
  if constexpr (std::is_same_v<V, Float16> || std::is_same_v<V, BFloat16>) {
    return V(static_cast<float>(v));
  } else if constexpr (std::is_floating_point_v<V>) {
    return static_cast<V>(v);
  } else if constexpr (std::is_same_v<V, bool>) {
    return std::nearbyint(v) != 0;
  } else {
    if (std::isnan(v)) return V{};
    double r = std::nearbyint(static_cast<double>(v));
    if (r <= static_cast<double>(std::numeric_limits<V>::lowest())) {
      return std::numeric_limits<V>::lowest();
    }
    if (r >= static_cast<double>(std::numeric_limits<V>::max())) {
      return std::numeric_limits<V>::max();
    }
    return static_cast<V>(r);
  }
}

template <typename Acc, typename V>
Acc ToAcc(V v) {
  if constexpr (std::is_same_v<V, Float16> || std::is_same_v<V, BFloat16>) {
    return static_cast<Acc>(static_cast<float>(v));
  } else {
    return static_cast<Acc>(v);
  }
}

// The extrapolation value as a storage element of x's type.
template <typename S>
S ExtrapolationElement(DataType type, float value) {
  S element{};
  if constexpr (!std::is_same_v<S, std::string>) {
    VisitNumericType(type, [&](auto tag) {
      using V = decltype(tag);
      if constexpr (sizeof(V) == sizeof(S)) {
        V v = FromAcc<V>(static_cast<double>(value));
        std::memcpy(&element, &v, sizeof(V));
      }
    });
  }
  return element;
}

absl::Status RunNearest(const ResizeOptions& options, absl::Span<const ResizeAxis> axes,
                        const Tensor& x, Tensor& out, KernelContext& ctx) {
  const int rank = x.rank();
  ScratchPlan plan;
  absl::InlinedVector<size_t, 6> offsets;
  for (int d = 0; d < rank; ++d) offsets.push_back(plan.Reserve<int64_t>(axes[d].out));
  void* scratch = ctx.Scratch(plan.bytes());
  if (scratch == nullptr) return absl::ResourceExhaustedError("Resize: out of scratch memory");
  absl::InlinedVector<const int64_t*, 6> tables;
  for (int d = 0; d < rank; ++d) {
    int64_t* table = At<int64_t>(scratch, offsets[d]);
    for (int64_t i = 0; i < axes[d].out; ++i) table[i] = NearestSourceIndex(options, axes[d], i);
    tables.push_back(table);
  }
  const Shape in_strides = StridesOf(x.shape());
  const int64_t last = axes[rank - 1].out;
  const int64_t rows = last == 0 ? 0 : out.num_elements() / last;
  VisitStorageType(x.dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* src = StorageOf<S>(x);
    S* dst = MutableStorageOf<S>(out);
    const S fill = ExtrapolationElement<S>(x.dtype(), options.extrapolation_value);
    ParallelFor(rows, out.num_elements(), [&](int64_t row) {
      int64_t base = 0;
      bool outside = false;
      int64_t rest = row;
      for (int d = rank - 2; d >= 0; --d) {
        int64_t source = tables[d][rest % axes[d].out];
        rest /= axes[d].out;
        outside = outside || source < 0;
        base += source * in_strides[d];
      }
      S* to = dst + row * last;
      const int64_t* t = tables[rank - 1];
      for (int64_t m = 0; m < last; ++m) {
        to[m] = (outside || t[m] < 0) ? fill : src[base + t[m]];
      }
    });
  });
  return absl::OkStatus();
}

// The taps of one changed axis.
template <typename Acc>
struct AxisPass {
  int axis = 0;
  int taps = 0;
  const int64_t* index = nullptr;     // [out][taps]
  const Acc* weight = nullptr;        // [out][taps]
  const uint8_t* outside = nullptr;   // [out]: takes the extrapolation value
};

template <typename Acc>
void ApplyPass(const Acc* src, Acc* dst, const Shape& in_shape, const ResizeAxis& geometry,
               const AxisPass<Acc>& pass, Acc fill) {
  const int rank = static_cast<int>(in_shape.size());
  const int64_t outer = DimProduct(in_shape, 0, pass.axis);
  const int64_t inner = DimProduct(in_shape, pass.axis + 1, rank);
  const int64_t in_len = geometry.in;
  const int64_t out_len = geometry.out;
  const int64_t rows = outer * out_len;
  ParallelFor(rows, rows * inner * pass.taps, [&](int64_t r) {
    const int64_t m = r % out_len;
    Acc* to = dst + r * inner;
    if (pass.outside[m]) {
      std::fill(to, to + inner, fill);
      return;
    }
    const Acc* from = src + (r / out_len) * in_len * inner;
    const int64_t* index = pass.index + m * pass.taps;
    const Acc* weight = pass.weight + m * pass.taps;
    if (inner == 1) {
      Acc sum = 0;
      for (int j = 0; j < pass.taps; ++j) sum += weight[j] * from[index[j]];
      *to = sum;
      return;
    }
    std::fill(to, to + inner, Acc{0});
    for (int j = 0; j < pass.taps; ++j) {
      const Acc* row = from + index[j] * inner;
      const Acc w = weight[j];
      for (int64_t k = 0; k < inner; ++k) to[k] += w * row[k];
    }
  });
}

template <typename T, typename Acc>
absl::Status RunSeparable(const ResizeOptions& options, absl::Span<const ResizeAxis> axes,
                          const Tensor& x, Tensor& out, KernelContext& ctx) {
  const int rank = x.rank();
  absl::InlinedVector<int, 6> changed;
  for (int d = 0; d < rank; ++d) {
    if (!IsIdentityAxis(options, axes[d])) changed.push_back(d);
  }
  if (changed.empty() || out.num_elements() == 0) {
    CopyAllElements(x, out);
    return absl::OkStatus();
  }
  constexpr bool kDirect = std::is_same_v<T, Acc>;
  ScratchPlan plan;
  absl::InlinedVector<size_t, 6> table_offsets;
  int64_t largest = 0;
  Shape shape = x.shape();
  for (size_t p = 0; p < changed.size(); ++p) {
    const ResizeAxis& a = axes[changed[p]];
    int64_t taps = TapCount(options, a);
    table_offsets.push_back(plan.Reserve<int64_t>(a.out * taps));
    table_offsets.push_back(plan.Reserve<Acc>(a.out * taps));
    table_offsets.push_back(plan.Reserve<uint8_t>(a.out));
    shape[changed[p]] = a.out;
    if (!(kDirect && p + 1 == changed.size())) {
      largest = std::max(largest, NumElementsOf(shape));
    }
  }
  const size_t converted = plan.Reserve<Acc>(kDirect ? 0 : x.num_elements());
  const size_t ping = plan.Reserve<Acc>(largest);
  const size_t pong = plan.Reserve<Acc>(largest);
  void* scratch = ctx.Scratch(plan.bytes());
  if (scratch == nullptr) return absl::ResourceExhaustedError("Resize: out of scratch memory");

  absl::InlinedVector<AxisPass<Acc>, 6> passes;
  for (size_t p = 0; p < changed.size(); ++p) {
    const ResizeAxis& a = axes[changed[p]];
    AxisPass<Acc> pass;
    pass.axis = changed[p];
    pass.taps = TapCount(options, a);
    auto* index = At<int64_t>(scratch, table_offsets[3 * p]);
    auto* weight = At<Acc>(scratch, table_offsets[3 * p + 1]);
    auto* outside = At<uint8_t>(scratch, table_offsets[3 * p + 2]);
    absl::InlinedVector<double, 16> w(pass.taps);
    for (int64_t m = 0; m < a.out; ++m) {
      outside[m] = !ComputeTaps(options, a, m, index + m * pass.taps, w.data());
      for (int j = 0; j < pass.taps; ++j) weight[m * pass.taps + j] = static_cast<Acc>(w[j]);
    }
    pass.index = index;
    pass.weight = weight;
    pass.outside = outside;
    passes.push_back(pass);
  }

  const Acc* src = nullptr;
  if constexpr (kDirect) {
    src = x.data<T>();
  } else {
    Acc* conv = At<Acc>(scratch, converted);
    const T* data = x.data<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) conv[i] = ToAcc<Acc>(data[i]);
    src = conv;
  }
  const Acc fill = static_cast<Acc>(options.extrapolation_value);
  shape = x.shape();
  for (size_t p = 0; p < passes.size(); ++p) {
    Acc* dst = At<Acc>(scratch, p % 2 == 0 ? ping : pong);
    if constexpr (kDirect) {
      if (p + 1 == passes.size()) dst = out.data<Acc>();
    }
    ApplyPass(src, dst, shape, axes[passes[p].axis], passes[p], fill);
    shape[passes[p].axis] = axes[passes[p].axis].out;
    src = dst;
  }
  if constexpr (!kDirect) {
    T* result = out.data<T>();
    for (int64_t i = 0; i < out.num_elements(); ++i) result[i] = FromAcc<T>(src[i]);
  }
  return absl::OkStatus();
}

// Integer results are rounded, so they follow the reference's float64 arithmetic closely
// enough to land on the same side of each .5.
bool NeedsDoublePrecision(DataType type) {
  return !IsFloatingPoint(type) || type == DataType::kDouble;
}

}  // namespace

absl::Status RunResize(const NodeLabel& label, const ResizeOptions& options,
                       absl::Span<const ResizeAxis> axes, const Tensor& x, Tensor& out,
                       KernelContext& ctx) {
  if (x.rank() == 0 || out.num_elements() == 0) {
    if (x.rank() == 0) CopyAllElements(x, out);
    return absl::OkStatus();
  }
  if (options.mode == ResizeMode::kNearest) return RunNearest(options, axes, x, out, ctx);
  absl::Status status = label.Error(
      absl::StrCat("linear and cubic modes need a numeric input, not ", DataTypeName(x.dtype())));
  VisitNumericType(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (NeedsDoublePrecision(x.dtype())) {
      status = RunSeparable<T, double>(options, axes, x, out, ctx);
    } else {
      status = RunSeparable<T, float>(options, axes, x, out, ctx);
    }
  });
  return status;
}

}  // namespace berth::engine::indexing
