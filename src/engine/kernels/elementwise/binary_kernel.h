// The kernel behind every two-input elementwise op: out = op(a, b) with broadcasting.
//
// `Op` is a functor with `template <typename C> R operator()(C a, C b) const` over compute
// types (ComputeT). Runs come from a BroadcastPlan; within a run each input either advances
// or repeats one element, and each of the four cases is its own tight loop.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_BINARY_KERNEL_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_BINARY_KERNEL_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/broadcast.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/numeric.h"
#include "engine/kernels/elementwise/parallel.h"
#include "engine/kernels/elementwise/type_list.h"
#include "engine/kernels/elementwise/unary_kernel.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// How b broadcasts against a.
struct BinaryBroadcast {
  enum class Mode {
    kNumpy,           // both ways (opset 7+)
    kUnidirectional,  // b to a's shape (PRelu 7+)
    kLegacy,          // opsets 1-6: equal shapes, or b placed by `broadcast`/`axis`
  };
  Mode mode = Mode::kNumpy;
  bool legacy_broadcast = false;
  std::optional<int64_t> legacy_axis;
};

// kLegacy with the node's `broadcast` and `axis` attributes when the node's opset is at most
// `legacy_until`, else kNumpy. Fails on attributes of the wrong type.
absl::StatusOr<BinaryBroadcast> ReadBroadcastAttributes(const KernelInfo& info,
                                                        int legacy_until);

// The plan for a op b under `mode`. Fails with InvalidArgument naming `label` when the shapes
// do not broadcast that way.
absl::Status PlanBinary(const std::string& label, const BinaryBroadcast& broadcast, const Shape& a,
                        const Shape& b, BroadcastPlan* plan);

// One run of n outputs; a_step / b_step say whether each input advances.
template <typename TOut, typename TA, typename TB, typename Op>
inline void BinaryRun(const TA* a, bool a_step, const TB* b, bool b_step, TOut* out, int64_t n,
                      const Op& op_ref) {
  const Op op = op_ref;  // in registers, as in ApplyUnary
  if (a_step && b_step) {
    for (int64_t i = 0; i < n; ++i) out[i] = Store<TOut>(op(Load(a[i]), Load(b[i])));
  } else if (a_step) {
    const auto& bv = Load(b[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = Store<TOut>(op(Load(a[i]), bv));
  } else if (b_step) {
    const auto& av = Load(a[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = Store<TOut>(op(av, Load(b[i])));
  } else {
    TOut v = Store<TOut>(op(Load(a[0]), Load(b[0])));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// out = op(a, b) over a whole plan, split across threads when large. `out` may alias `a`
// when a has the output's shape (the variadic ops accumulate that way).
template <typename TOut, typename TA, typename TB, typename Op>
void RunBinary(const BroadcastPlan& plan, const TA* a, const TB* b, TOut* out, const Op& op,
               int64_t min_parallel) {
  ParallelRanges(plan.num_elements, min_parallel, [&](int64_t begin, int64_t end) {
    ForEachRun(plan, begin, end, [&](int64_t pos, const RunOffsets& off, int64_t len) {
      BinaryRun(a + off[0], plan.inner_contiguous[0], b + off[1], plan.inner_contiguous[1],
                out + pos, len, op);
    });
  });
}

template <typename TIn, typename TOut, typename Op>
class BinaryKernel final : public Kernel {
 public:
  BinaryKernel(std::string label, Op op, BinaryBroadcast broadcast, int64_t min_parallel)
      : label_(std::move(label)),
        op_(std::move(op)),
        broadcast_(broadcast),
        min_parallel_(min_parallel) {}

  absl::Status Compute(KernelContext& ctx) const override {
    constexpr DataType kType = DataTypeOf<TIn>::value;
    ASSIGN_OR_RETURN(const Tensor* a, RequireInput(label_, ctx, 0, kType));
    ASSIGN_OR_RETURN(const Tensor* b, RequireInput(label_, ctx, 1, kType));
    BroadcastPlan plan;
    RETURN_IF_ERROR(PlanBinary(label_, broadcast_, a->shape(), b->shape(), &plan));
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, plan.out_shape));
    if (plan.num_elements == 0) return absl::OkStatus();
    RunBinary(plan, ElementsOf<TIn>(*a), ElementsOf<TIn>(*b), MutableElementsOf<TOut>(*out), op_,
              min_parallel_);
    return absl::OkStatus();
  }

 private:
  std::string label_;
  Op op_;
  BinaryBroadcast broadcast_;
  int64_t min_parallel_;
};

// Registers op_type for opsets since_version..21 over `types` (both inputs share the type).
// Opsets up to legacy_until (0: none) read the `broadcast`/`axis` attributes. With
// kBoolOutput the op returns bool.
template <typename Op, bool kBoolOutput = false, typename... Ts>
absl::Status RegisterBinaryOp(KernelRegistry& registry, const std::string& op_type,
                              int since_version, TypeList<Ts...> types, int legacy_until,
                              int64_t min_parallel, FnMaker<Op> make = DefaultFn<Op>) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since_version;
  def.types = DataTypesOf(types);
  def.factory = [types, legacy_until, min_parallel,
                 make](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (info.num_inputs() != 2 || !info.has_input(1) || info.num_outputs() < 1) {
      return info.Error("expects two inputs and one output");
    }
    if (info.input_type(1) != info.input_type(0)) {
      return info.Error("inputs have different types " + DataTypeName(info.input_type(0)) +
                        " and " + DataTypeName(info.input_type(1)));
    }
    ASSIGN_OR_RETURN(Op op, make(info));
    ASSIGN_OR_RETURN(BinaryBroadcast broadcast, ReadBroadcastAttributes(info, legacy_until));
    std::unique_ptr<Kernel> kernel;
    DispatchType(types, info.input_type(0), [&](auto tag) {
      using T = decltype(tag);
      using Out = std::conditional_t<kBoolOutput, bool, T>;
      kernel = std::make_unique<BinaryKernel<T, Out, Op>>(NodeLabel(info), op, broadcast,
                                                          min_parallel);
    });
    if (kernel == nullptr) {
      return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
    }
    if constexpr (kBoolOutput) info.output_types()[0] = DataType::kBool;
    return kernel;
  };
  return registry.Register(std::move(def));
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_BINARY_KERNEL_H_
