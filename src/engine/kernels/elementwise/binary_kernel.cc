#include "engine/kernels/elementwise/binary_kernel.h"

#include "absl/strings/str_cat.h"

namespace berth::engine {

absl::StatusOr<BinaryBroadcast> ReadBroadcastAttributes(const KernelInfo& info,
                                                        int legacy_until) {
  BinaryBroadcast result;
  if (info.opset() > legacy_until) return result;
  result.mode = BinaryBroadcast::Mode::kLegacy;
  ASSIGN_OR_RETURN(int64_t broadcast, info.IntOr("broadcast", 0));
  result.legacy_broadcast = broadcast != 0;
  if (info.HasAttribute("axis")) {
    ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
    result.legacy_axis = axis;
  }
  return result;
}

absl::Status PlanBinary(const std::string& label, const BinaryBroadcast& broadcast, const Shape& a,
                        const Shape& b, BroadcastPlan* plan) {
  switch (broadcast.mode) {
    case BinaryBroadcast::Mode::kNumpy:
      return MakeBroadcastPlan(label, {&a, &b}, plan);
    case BinaryBroadcast::Mode::kUnidirectional:
      RETURN_IF_ERROR(CheckUnidirectional(label, a, b));
      return MakeBroadcastPlan(label, {&a, &b}, plan);
    case BinaryBroadcast::Mode::kLegacy:
      break;
  }
  if (!broadcast.legacy_broadcast) {
    if (a != b) {
      return LabeledError(label, absl::StrCat("input shapes ", ShapeToString(a), " and ",
                                              ShapeToString(b),
                                              " differ and the broadcast attribute is 0"));
    }
    return MakeBroadcastPlan(label, {&a, &b}, plan);
  }
  ASSIGN_OR_RETURN(Shape placed, LegacyBroadcastShape(label, a, b, broadcast.legacy_axis));
  return MakeBroadcastPlan(label, {&a, &placed}, plan);
}

}  // namespace berth::engine
