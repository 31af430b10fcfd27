// ArgMax and ArgMin: int64 indices of the extreme value along `axis`. Ties resolve to the
// first occurrence, or the last with select_last_index (opset 12+). NaN counts as the extreme
// value, as numpy's argmax/argmin treat it.
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

template <typename C>
bool IsNan(C v) {
  return v != v;
}

// True when `v` replaces `best` as the answer.
template <bool kMax, typename C>
inline bool Better(C v, C best, bool last) {
  if (IsNan(best)) return false;
  if (IsNan(v)) return true;
  if (last) return kMax ? v >= best : v <= best;
  return kMax ? v > best : v < best;
}

template <bool kMax, typename T>
void ArgLoop(const T* x, int64_t* y, int64_t outer, int64_t d, int64_t inner, bool last) {
  using C = ComputeT<T>;
  const int64_t lines = outer * inner;
  const bool parallel = lines > 1 && lines * d > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t line = 0; line < lines; ++line) {
    const T* p = x + (line / inner) * d * inner + line % inner;
    C best = static_cast<C>(p[0]);
    int64_t index = 0;
    for (int64_t j = 1; j < d; ++j) {
      const C v = static_cast<C>(p[j * inner]);
      if (Better<kMax>(v, best, last)) {
        best = v;
        index = j;
      }
    }
    y[line] = index;
  }
}

class ArgReduceKernel : public Kernel {
 public:
  ArgReduceKernel(std::string label, bool is_max, int64_t axis, bool keepdims, bool last)
      : label_(std::move(label)), is_max_(is_max), axis_(axis), keepdims_(keepdims), last_(last) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input data is required");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(label_, axis_, x->rank()));
    const int64_t d = x->dim(axis);
    Shape out_shape;
    for (int i = 0; i < x->rank(); ++i) {
      if (i != axis) {
        out_shape.push_back(x->dim(i));
      } else if (keepdims_) {
        out_shape.push_back(1);
      }
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.OutputWithType(0, DataType::kInt64, out_shape));
    if (y->num_elements() == 0) return absl::OkStatus();
    if (d == 0) {
      return NodeError(label_, absl::StrCat("cannot take the index of an extreme value over an "
                                            "empty axis of shape ",
                                            ShapeToString(x->shape())));
    }
    const int64_t outer = DimProduct(x->shape(), 0, axis);
    const int64_t inner = DimProduct(x->shape(), axis + 1, x->rank());
    bool ok = VisitAllNumericTypes(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (is_max_) {
        ArgLoop<true>(x->data<T>(), y->data<int64_t>(), outer, d, inner, last_);
      } else {
        ArgLoop<false>(x->data<T>(), y->data<int64_t>(), outer, d, inner, last_);
      }
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  bool is_max_;
  int64_t axis_;
  bool keepdims_;
  bool last_;
};

KernelFactory ArgFactory(bool is_max) {
  return [is_max](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
    ASSIGN_OR_RETURN(int64_t keepdims, info.IntOr("keepdims", 1));
    ASSIGN_OR_RETURN(int64_t last, info.IntOr("select_last_index", 0));
    SetOutputType(info, 0, DataType::kInt64);
    return std::unique_ptr<Kernel>(
        new ArgReduceKernel(NodeLabel(info.node()), is_max, axis, keepdims != 0, last != 0));
  };
}

}  // namespace

absl::Status RegisterArgMinMax(KernelRegistry& registry) {
  RETURN_IF_ERROR(registry.Register({"", "ArgMax", 1, 21, 0, AllNumericTypes(), ArgFactory(true)}));
  return registry.Register({"", "ArgMin", 1, 21, 0, AllNumericTypes(), ArgFactory(false)});
}

}  // namespace berth::engine
