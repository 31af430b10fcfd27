// Where (opsets 9-21): out = condition ? X : Y, the three broadcast together. Selection only
// moves elements, so numeric types run as unsigned integers of their width.
#include <cstdint>
#include <memory>
#include <string>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/broadcast.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/parallel.h"
#include "engine/kernels/elementwise/type_list.h"

namespace berth::engine {
namespace {

template <typename E>
void RunWhere(const BroadcastPlan& plan, const bool* cond, const E* x, const E* y, E* out) {
  ParallelRanges(plan.num_elements, kParallelCheap, [&](int64_t begin, int64_t end) {
    ForEachRun(plan, begin, end, [&](int64_t pos, const RunOffsets& off, int64_t len) {
      const bool* c = cond + off[0];
      const E* a = x + off[1];
      const E* b = y + off[2];
      E* o = out + pos;
      const int64_t sc = plan.inner_contiguous[0];
      const int64_t sa = plan.inner_contiguous[1];
      const int64_t sb = plan.inner_contiguous[2];
      if (sc && sa && sb) {
        for (int64_t i = 0; i < len; ++i) o[i] = c[i] ? a[i] : b[i];
      } else {
        for (int64_t i = 0; i < len; ++i) o[i] = c[i * sc] ? a[i * sa] : b[i * sb];
      }
    });
  });
}

// E is the storage type: uintN_t of the element's width, or std::string.
template <typename E>
class WhereKernel final : public Kernel {
 public:
  WhereKernel(std::string label, DataType type) : label_(std::move(label)), type_(type) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* cond, RequireInput(label_, ctx, 0, DataType::kBool));
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 1, type_));
    ASSIGN_OR_RETURN(const Tensor* y, RequireInput(label_, ctx, 2, type_));
    BroadcastPlan plan;
    RETURN_IF_ERROR(
        MakeBroadcastPlan(label_, {&cond->shape(), &x->shape(), &y->shape()}, &plan));
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, plan.out_shape));
    if (plan.num_elements == 0) return absl::OkStatus();
    if constexpr (std::is_same_v<E, std::string>) {
      RunWhere(plan, cond->data<bool>(), x->strings().data(), y->strings().data(),
               out->strings().data());
    } else {
      RunWhere(plan, cond->data<bool>(), static_cast<const E*>(x->raw_data()),
               static_cast<const E*>(y->raw_data()), static_cast<E*>(out->raw_data()));
    }
    return absl::OkStatus();
  }

 private:
  std::string label_;
  DataType type_;
};

absl::StatusOr<std::unique_ptr<Kernel>> MakeWhere(KernelInfo& info) {
  if (info.num_inputs() != 3 || !info.has_input(1) || !info.has_input(2) ||
      info.num_outputs() < 1) {
    return info.Error("expects three inputs and one output");
  }
  DataType type = info.input_type(1);
  if (info.input_type(0) != DataType::kBool) {
    return info.Error("condition must be bool, not " + DataTypeName(info.input_type(0)));
  }
  if (info.input_type(2) != type) {
    return info.Error("X and Y have different types " + DataTypeName(type) + " and " +
                      DataTypeName(info.input_type(2)));
  }
  info.output_types()[0] = type;
  std::string label = NodeLabel(info);
  if (type == DataType::kString) return std::make_unique<WhereKernel<std::string>>(label, type);
  switch (DataTypeSize(type)) {
    case 1: return std::make_unique<WhereKernel<uint8_t>>(label, type);
    case 2: return std::make_unique<WhereKernel<uint16_t>>(label, type);
    case 4: return std::make_unique<WhereKernel<uint32_t>>(label, type);
    case 8: return std::make_unique<WhereKernel<uint64_t>>(label, type);
    default: return info.Error("unsupported type " + DataTypeName(type));
  }
}

}  // namespace

absl::Status RegisterWhere(KernelRegistry& r) {
  KernelDef def;
  def.op_type = "Where";
  def.since_version = 9;
  def.type_input = 1;
  def.types = DataTypesOf(AllTypes{});
  def.factory = MakeWhere;
  return r.Register(std::move(def));
}

}  // namespace berth::engine
