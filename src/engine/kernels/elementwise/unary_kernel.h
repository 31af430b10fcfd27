// The kernel behind every one-input elementwise op: y[i] = fn(x[i]), same shape as x.
//
// `Fn` is a functor with `template <typename C> R operator()(C x) const`, called with the
// compute type of the element (ComputeT: float for float16/bfloat16). Its attributes are read
// once at load by a maker. The loop is a plain indexed loop so that branch-free functors
// vectorize.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_UNARY_KERNEL_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_UNARY_KERNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/numeric.h"
#include "engine/kernels/elementwise/parallel.h"
#include "engine/kernels/elementwise/type_list.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// Applies fn to elements [begin, end); the loop every unary kernel (and a few others) runs.
// Kept out of line: compiled on its own the loop vectorizes reliably, while inlined into
// larger callers GCC sometimes leaves it scalar.
template <typename TOut, typename TIn, typename Fn>
[[gnu::noinline]] void ApplyUnary(const TIn* in, TOut* out, int64_t begin, int64_t end,
                                  const Fn& fn) {
  // A local copy keeps the functor's parameters in registers: read through `fn`, stores to
  // `out` might alias them, and the loop would not vectorize.
  const Fn f = fn;
  for (int64_t i = begin; i < end; ++i) out[i] = Store<TOut>(f(Load(in[i])));
}

template <typename TIn, typename TOut, typename Fn>
class UnaryKernel final : public Kernel {
 public:
  UnaryKernel(std::string label, Fn fn, int64_t min_parallel)
      : label_(std::move(label)), fn_(std::move(fn)), min_parallel_(min_parallel) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 0, DataTypeOf<TIn>::value));
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, x->shape()));
    const TIn* in = x->data<TIn>();
    TOut* out = y->data<TOut>();
    ParallelRanges(x->num_elements(), min_parallel_, [&](int64_t begin, int64_t end) {
      ApplyUnary(in, out, begin, end, fn_);
    });
    return absl::OkStatus();
  }

 private:
  std::string label_;
  Fn fn_;
  int64_t min_parallel_;
};

// Builds a functor from the node (attributes), failing on bad attributes.
template <typename Fn>
using FnMaker = std::function<absl::StatusOr<Fn>(const KernelInfo&)>;

template <typename Fn>
absl::StatusOr<Fn> DefaultFn(const KernelInfo&) {
  return Fn{};
}

// The kernel for the node's input type from `types`, or an error naming the type. With
// kBoolOutput the functor returns bool and so does the op.
template <typename Fn, bool kBoolOutput = false, typename... Ts>
absl::StatusOr<std::unique_ptr<Kernel>> MakeUnaryKernel(KernelInfo& info, TypeList<Ts...> types,
                                                        Fn fn, int64_t min_parallel) {
  if (info.num_outputs() < 1) return info.Error("the node has no output");
  std::unique_ptr<Kernel> kernel;
  DispatchType(types, info.input_type(0), [&](auto tag) {
    using T = decltype(tag);
    using Out = std::conditional_t<kBoolOutput, bool, T>;
    kernel = std::make_unique<UnaryKernel<T, Out, Fn>>(NodeLabel(info), fn, min_parallel);
  });
  if (kernel == nullptr) {
    return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
  }
  if constexpr (kBoolOutput) info.output_types()[0] = DataType::kBool;
  return kernel;
}

// Registers op_type for opsets since_version..21 over `types`, with a functor made by `make`
// at load. The functor must accept every compute type of the list.
template <typename Fn, bool kBoolOutput = false, typename... Ts>
absl::Status RegisterUnaryOp(KernelRegistry& registry, const std::string& op_type,
                             int since_version, TypeList<Ts...> types, int64_t min_parallel,
                             FnMaker<Fn> make = DefaultFn<Fn>) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since_version;
  def.types = DataTypesOf(types);
  def.factory = [types, min_parallel,
                 make](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    ASSIGN_OR_RETURN(Fn fn, make(info));
    return MakeUnaryKernel<Fn, kBoolOutput>(info, types, std::move(fn), min_parallel);
  };
  return registry.Register(std::move(def));
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_UNARY_KERNEL_H_
