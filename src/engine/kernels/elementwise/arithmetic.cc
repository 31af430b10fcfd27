// Add, Sub, Mul, Div, Mod with broadcasting (and the broadcast/axis attributes of opsets 1-6).
#include <cmath>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/binary_kernel.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {
namespace {

constexpr int kLegacyUntil = 6;

struct AddOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return WrapAdd(a, b);
  }
};

struct SubOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return WrapSub(a, b);
  }
};

struct MulOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return WrapMul(a, b);
  }
};

// Integer division truncates. Division by zero gives 0 and MIN / -1 wraps, where the CPU
// would trap: bad data must not crash the process.
struct DivOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<C>) {
        if (b == -1) return WrapNeg(a);
      }
      return static_cast<C>(a / b);
    } else {
      return a / b;
    }
  }
};

// fmod=1: the remainder takes the dividend's sign (C fmod, %). fmod=0: the divisor's sign
// (numpy.mod), also for floats. A zero divisor gives 0 for integers.
struct ModOp {
  bool fmod = false;
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<C>) {
        if (b == -1) return 0;
      }
      C r = static_cast<C>(a % b);
      if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<C>(r + b);
      return r;
    } else {
      C r = std::fmod(a, b);
      if (fmod) return r;
      if (r != 0) return (r < 0) != (b < 0) ? r + b : r;
      return std::copysign(C(0), b);
    }
  }
};

absl::StatusOr<ModOp> MakeMod(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t fmod, info.IntOr("fmod", 0));
  if (fmod != 0 && fmod != 1) return info.Error("attribute 'fmod' must be 0 or 1");
  return ModOp{fmod == 1};
}

}  // namespace

absl::Status RegisterArithmetic(KernelRegistry& r) {
  RETURN_IF_ERROR(
      RegisterBinaryOp<AddOp>(r, "Add", 1, NumericTypes{}, kLegacyUntil, kParallelCheap));
  RETURN_IF_ERROR(
      RegisterBinaryOp<SubOp>(r, "Sub", 1, NumericTypes{}, kLegacyUntil, kParallelCheap));
  RETURN_IF_ERROR(
      RegisterBinaryOp<MulOp>(r, "Mul", 1, NumericTypes{}, kLegacyUntil, kParallelCheap));
  RETURN_IF_ERROR(
      RegisterBinaryOp<DivOp>(r, "Div", 1, NumericTypes{}, kLegacyUntil, kParallelCheap));
  RETURN_IF_ERROR(
      RegisterBinaryOp<ModOp>(r, "Mod", 10, NumericTypes{}, 0, kParallelCostly, MakeMod));
  return absl::OkStatus();
}

}  // namespace berth::engine
