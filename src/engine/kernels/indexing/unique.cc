// Unique (opsets 11-21): the distinct elements of the flattened X, or the distinct slices
// along `axis`, in ascending (lexicographic) order when `sorted` is 1 or in order of first
// occurrence when 0. Optional outputs: indices (first occurrence of each), inverse_indices
// (for each input element or slice, its position in Y) and counts, all int64.
// NaNs compare equal to each other and above every number, as numpy.unique does.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

template <typename T>
auto KeyOf(const T& v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v);
  } else {
    return v;
  }
}

template <typename K>
int CompareKeys(const K& a, const K& b) {
  if constexpr (std::is_floating_point_v<K>) {
    bool a_nan = std::isnan(a);
    bool b_nan = std::isnan(b);
    if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

// X viewed as n items along the unique axis, each made of outer x inner elements.
struct ItemLayout {
  int64_t outer = 1;
  int64_t n = 0;
  int64_t inner = 1;
};

// Groups equal items. On return order[] lists items sorted (ties by index), group_of[i] is
// item i's group in sorted order, first[g] and counts[g] describe group g; returns the
// number of groups.
template <typename T>
int64_t GroupItems(const T* data, const ItemLayout& l, int64_t* order, int64_t* group_of,
                   int64_t* first, int64_t* counts) {
  auto compare = [&](int64_t i, int64_t j) {
    for (int64_t o = 0; o < l.outer; ++o) {
      const T* a = data + (o * l.n + i) * l.inner;
      const T* b = data + (o * l.n + j) * l.inner;
      for (int64_t k = 0; k < l.inner; ++k) {
        int c = CompareKeys(KeyOf(a[k]), KeyOf(b[k]));
        if (c != 0) return c;
      }
    }
    return 0;
  };
  for (int64_t i = 0; i < l.n; ++i) order[i] = i;
  std::sort(order, order + l.n, [&](int64_t i, int64_t j) {
    int c = compare(i, j);
    return c < 0 || (c == 0 && i < j);
  });
  int64_t groups = 0;
  for (int64_t p = 0; p < l.n; ++p) {
    if (p == 0 || compare(order[p - 1], order[p]) != 0) {
      first[groups] = order[p];
      counts[groups] = 0;
      ++groups;
    }
    group_of[order[p]] = groups - 1;
    ++counts[groups - 1];
  }
  return groups;
}

class UniqueKernel final : public Kernel {
 public:
  UniqueKernel(NodeLabel label, std::optional<int64_t> axis, bool sorted)
      : label_(std::move(label)), axis_(axis), sorted_(sorted) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return label_.Error("needs input X");
    ItemLayout layout;
    Shape y_shape;
    int axis = 0;
    if (axis_.has_value()) {
      ASSIGN_OR_RETURN(axis, indexing::NormalizeAxis(label_, *axis_, x->rank()));
      layout = {indexing::DimProduct(x->shape(), 0, axis), x->dim(axis),
                indexing::DimProduct(x->shape(), axis + 1, x->rank())};
      y_shape = x->shape();
    } else {
      layout.n = x->num_elements();
      y_shape = {layout.n};
    }
    const int64_t n = layout.n;
    auto* scratch = static_cast<int64_t*>(ctx.Scratch(6 * std::max<int64_t>(n, 1) * 8));
    if (scratch == nullptr) return absl::ResourceExhaustedError(label_.text() + ": out of memory");
    int64_t* order = scratch;
    int64_t* group_of = order + n;
    int64_t* first = group_of + n;
    int64_t* counts = first + n;
    int64_t* rank_of = counts + n;  // group -> output position
    int64_t* group_at = rank_of + n;  // output position -> group

    int64_t groups = 0;
    if (x->dtype() == DataType::kString) {
      groups = GroupItems(x->strings().data(), layout, order, group_of, first, counts);
    } else {
      VisitNumericType(x->dtype(), [&](auto tag) {
        using T = decltype(tag);
        groups = GroupItems(x->data<T>(), layout, order, group_of, first, counts);
      });
    }
    for (int64_t g = 0; g < groups; ++g) group_at[g] = g;
    if (!sorted_) {
      std::sort(group_at, group_at + groups,
                [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    }
    for (int64_t p = 0; p < groups; ++p) rank_of[group_at[p]] = p;

    y_shape[axis] = groups;
    RETURN_IF_ERROR(WriteY(ctx, *x, layout, y_shape, first, group_at, groups));
    RETURN_IF_ERROR(WriteInt64(ctx, 1, groups, [&](int64_t p) { return first[group_at[p]]; }));
    RETURN_IF_ERROR(WriteInt64(ctx, 2, n, [&](int64_t i) { return rank_of[group_of[i]]; }));
    RETURN_IF_ERROR(WriteInt64(ctx, 3, groups, [&](int64_t p) { return counts[group_at[p]]; }));
    return absl::OkStatus();
  }

 private:
  static absl::Status WriteY(KernelContext& ctx, const Tensor& x, const ItemLayout& l,
                             const Shape& y_shape, const int64_t* first,
                             const int64_t* group_at, int64_t groups) {
    if (!ctx.output_wanted(0)) return absl::OkStatus();
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, y_shape));
    indexing::VisitStorageType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = indexing::StorageOf<T>(x);
      T* dst = indexing::MutableStorageOf<T>(*y);
      for (int64_t o = 0; o < l.outer; ++o) {
        for (int64_t p = 0; p < groups; ++p) {
          const T* from = src + (o * l.n + first[group_at[p]]) * l.inner;
          std::copy(from, from + l.inner, dst + (o * groups + p) * l.inner);
        }
      }
    });
    return absl::OkStatus();
  }

  template <typename Fn>
  static absl::Status WriteInt64(KernelContext& ctx, int i, int64_t n, Fn&& value) {
    if (i >= ctx.num_outputs() || !ctx.output_wanted(i)) return absl::OkStatus();
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(i, {n}));
    int64_t* dst = out->data<int64_t>();
    for (int64_t k = 0; k < n; ++k) dst[k] = value(k);
    return absl::OkStatus();
  }

  NodeLabel label_;
  std::optional<int64_t> axis_;
  bool sorted_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateUnique(KernelInfo& info) {
  std::optional<int64_t> axis;
  if (info.HasAttribute("axis")) {
    ASSIGN_OR_RETURN(axis, info.IntOr("axis", 0));
  }
  ASSIGN_OR_RETURN(int64_t sorted, info.IntOr("sorted", 1));
  if (sorted != 0 && sorted != 1) {
    return info.Error(absl::StrCat("sorted must be 0 or 1, not ", sorted));
  }
  for (int i = 1; i < info.num_outputs() && i < 4; ++i) {
    info.output_types()[i] = DataType::kInt64;
  }
  return std::make_unique<UniqueKernel>(NodeLabel(info), axis, sorted == 1);
}

}  // namespace

absl::Status RegisterUnique(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "Unique",
                            .since_version = 11,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateUnique});
}

}  // namespace berth::engine
