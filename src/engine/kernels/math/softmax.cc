// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at `axis`
// (default 1) and the op runs over each row of the flattened tail; from 13 it runs over the
// single dimension `axis` (default -1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dnnl.hpp"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

// One softmax over `d` elements spaced `stride` apart.
template <typename T>
void SoftmaxLine(SoftmaxKind kind, const T* x, T* y, int64_t d, int64_t stride) {
  using C = ComputeT<T>;
  C max = -std::numeric_limits<C>::infinity();
  int64_t argmax = 0;
  for (int64_t j = 0; j < d; ++j) {
    C v = static_cast<C>(x[j * stride]);
    if (v > max) {
      max = v;
      argmax = j;
    }
  }
  if (kind == SoftmaxKind::kHardmax) {
    for (int64_t j = 0; j < d; ++j) y[j * stride] = static_cast<T>(j == argmax ? 1 : 0);
    return;
  }
  C sum = 0;
  for (int64_t j = 0; j < d; ++j) sum += std::exp(static_cast<C>(x[j * stride]) - max);
  if (kind == SoftmaxKind::kLogSoftmax) {
    const C shift = max + std::log(sum);
    for (int64_t j = 0; j < d; ++j) {
      y[j * stride] = static_cast<T>(static_cast<C>(x[j * stride]) - shift);
    }
  } else {
    const C scale = C(1) / sum;
    for (int64_t j = 0; j < d; ++j) {
      y[j * stride] = static_cast<T>(std::exp(static_cast<C>(x[j * stride]) - max) * scale);
    }
  }
}

template <typename T>
void SoftmaxLoop(SoftmaxKind kind, const T* x, T* y, int64_t outer, int64_t d, int64_t inner) {
  const int64_t lines = outer * inner;
  const bool parallel = lines > 1 && lines * d > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t o = line / inner, i = line % inner;
    const int64_t offset = o * d * inner + i;
    SoftmaxLine(kind, x + offset, y + offset, d, inner);
  }
}

struct SoftmaxEntry {
  dnnl::softmax_v2_forward primitive;
  dnnl::memory::desc data, scratchpad;
};

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(std::string label, SoftmaxKind kind, int64_t axis, bool coerce_2d)
      : label_(std::move(label)), kind_(kind), axis_(axis), coerce_2d_(coerce_2d) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input is required");
    const int rank = x->rank();
    // Before 13 the axis may also equal rank (an empty tail of one element).
    const int limit = coerce_2d_ ? rank + 1 : rank;
    if (axis_ < -rank || axis_ >= limit || rank == 0) {
      return NodeError(label_,
                       absl::StrCat("axis ", axis_, " is out of range for an input of shape ",
                                    ShapeToString(x->shape())));
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t outer = DimProduct(x->shape(), 0, axis);
    const int64_t d = coerce_2d_ ? DimProduct(x->shape(), axis, rank) : x->dim(axis);
    const int64_t inner = coerce_2d_ ? 1 : DimProduct(x->shape(), axis + 1, rank);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->num_elements() == 0) return absl::OkStatus();
    if (x->dtype() == DataType::kFloat && inner == 1 && kind_ != SoftmaxKind::kHardmax) {
      return RunDnnl(ctx, *x, y, outer, d);
    }
    bool ok = VisitFloatTypes(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      SoftmaxLoop(kind_, x->data<T>(), y->data<T>(), outer, d, inner);
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  absl::Status RunDnnl(KernelContext& ctx, const Tensor& x, Tensor* y, int64_t rows,
                       int64_t d) const {
    auto make = [&]() -> absl::StatusOr<SoftmaxEntry> {
      try {
        SoftmaxEntry e;
        e.data = dnnl::memory::desc({rows, d}, dnnl::memory::data_type::f32,
                                    dnnl::memory::format_tag::ab);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        auto alg = kind_ == SoftmaxKind::kLogSoftmax ? dnnl::algorithm::softmax_log
                                                     : dnnl::algorithm::softmax_accurate;
        dnnl::softmax_v2_forward::primitive_desc pd(
            dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference, alg, e.data, e.data,
                                           1),
            attr, ctx.dnnl_engine());
        e.scratchpad = pd.scratchpad_desc();
        e.primitive = dnnl::softmax_v2_forward(pd);
        return e;
      } catch (const dnnl::error& err) {
        return DnnlErrorToStatus(label_, "create a softmax", err);
      }
    };
    ASSIGN_OR_RETURN(std::shared_ptr<const SoftmaxEntry> entry,
                     cache_.GetOrCreate(ShapeKey{rows, d}, make));
    try {
      dnnl::engine& eng = ctx.dnnl_engine();
      std::unordered_map<int, dnnl::memory> args;
      args.emplace(DNNL_ARG_SRC, dnnl::memory(entry->data, eng, const_cast<void*>(x.raw_data())));
      args.emplace(DNNL_ARG_DST, dnnl::memory(entry->data, eng, y->raw_data()));
      const size_t scratch_bytes = entry->scratchpad.get_size();
      if (scratch_bytes > 0) {
        void* scratch = ctx.Scratch(scratch_bytes);
        if (scratch == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
        args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(entry->scratchpad, eng, scratch));
      }
      entry->primitive.execute(ctx.dnnl_stream(), args);
      ctx.dnnl_stream().wait();
    } catch (const dnnl::error& err) {
      return DnnlErrorToStatus(label_, "run a softmax", err);
    }
    return absl::OkStatus();
  }

  std::string label_;
  SoftmaxKind kind_;
  int64_t axis_;
  bool coerce_2d_;
  PrimitiveCache<SoftmaxEntry> cache_;
};

KernelFactory SoftmaxFactory(SoftmaxKind kind) {
  return [kind](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    const bool coerce_2d = info.opset() < 13;
    ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", coerce_2d ? 1 : -1));
    return std::unique_ptr<Kernel>(
        new SoftmaxKernel(NodeLabel(info.node()), kind, axis, coerce_2d));
  };
}

}  // namespace

absl::Status RegisterSoftmax(KernelRegistry& registry) {
  RETURN_IF_ERROR(registry.Register(
      {"", "Softmax", 1, 21, 0, FloatTypes(), SoftmaxFactory(SoftmaxKind::kSoftmax)}));
  RETURN_IF_ERROR(registry.Register(
      {"", "LogSoftmax", 1, 21, 0, FloatTypes(), SoftmaxFactory(SoftmaxKind::kLogSoftmax)}));
  return registry.Register(
      {"", "Hardmax", 1, 21, 0, FloatTypes(), SoftmaxFactory(SoftmaxKind::kHardmax)});
}

}  // namespace berth::engine
