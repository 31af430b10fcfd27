// Comparisons (Equal, Greater, Less, GreaterOrEqual, LessOrEqual), the boolean logic ops
// (And, Or, Xor) and the integer bit ops (BitShift, BitwiseAnd, BitwiseOr, BitwiseXor).
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/elementwise/binary_kernel.h"
#include "engine/kernels/elementwise/elementwise_ops.h"

namespace berth::engine {
namespace {

constexpr int kLegacyUntil = 6;

struct EqualOp {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(const C& a, const C& b) const {
    return a == b;
  }
};
struct GreaterOp {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C a, C b) const {
    return a > b;
  }
};
struct LessOp {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C a, C b) const {
    return a < b;
  }
};
struct GreaterOrEqualOp {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C a, C b) const {
    return a >= b;
  }
};
struct LessOrEqualOp {
  template <typename C>
  BERTH_ELEMENT_INLINE bool operator()(C a, C b) const {
    return a <= b;
  }
};

struct AndOp {
  BERTH_ELEMENT_INLINE bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp {
  BERTH_ELEMENT_INLINE bool operator()(bool a, bool b) const { return a || b; }
};
struct XorOp {
  BERTH_ELEMENT_INLINE bool operator()(bool a, bool b) const { return a != b; }
};

struct BitwiseAndOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return static_cast<C>(a & b);
  }
};
struct BitwiseOrOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return static_cast<C>(a | b);
  }
};
struct BitwiseXorOp {
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    return static_cast<C>(a ^ b);
  }
};

// Shifting by the type's width or more gives 0 (numpy's result), not the CPU's modulo shift.
struct BitShiftOp {
  bool left = true;
  template <typename C>
  BERTH_ELEMENT_INLINE C operator()(C a, C b) const {
    static_assert(std::is_unsigned_v<C>);
    if (b >= sizeof(C) * 8) return 0;
    return left ? static_cast<C>(a << b) : static_cast<C>(a >> b);
  }
};

absl::StatusOr<BitShiftOp> MakeBitShift(const KernelInfo& info) {
  if (!info.HasAttribute("direction")) return info.Error("missing attribute 'direction'");
  ASSIGN_OR_RETURN(std::string direction, info.StringOr("direction", ""));
  if (direction != "LEFT" && direction != "RIGHT") {
    return info.Error("attribute 'direction' must be \"LEFT\" or \"RIGHT\", not \"" + direction +
                      "\"");
  }
  return BitShiftOp{direction == "LEFT"};
}

using Bool = TypeList<bool>;

}  // namespace

absl::Status RegisterComparisons(KernelRegistry& r) {
  constexpr int64_t kCheap = kParallelCheap;
  constexpr int kLegacy = kLegacyUntil;
  RETURN_IF_ERROR((RegisterBinaryOp<EqualOp, true>(r, "Equal", 1, AllTypes{}, kLegacy, kCheap)));
  RETURN_IF_ERROR(
      (RegisterBinaryOp<GreaterOp, true>(r, "Greater", 1, NumericTypes{}, kLegacy, kCheap)));
  RETURN_IF_ERROR(
      (RegisterBinaryOp<LessOp, true>(r, "Less", 1, NumericTypes{}, kLegacy, kCheap)));
  RETURN_IF_ERROR((RegisterBinaryOp<GreaterOrEqualOp, true>(r, "GreaterOrEqual", 12,
                                                            NumericTypes{}, 0, kCheap)));
  RETURN_IF_ERROR(
      (RegisterBinaryOp<LessOrEqualOp, true>(r, "LessOrEqual", 12, NumericTypes{}, 0, kCheap)));
  RETURN_IF_ERROR(RegisterBinaryOp<AndOp>(r, "And", 1, Bool{}, kLegacy, kCheap));
  RETURN_IF_ERROR(RegisterBinaryOp<OrOp>(r, "Or", 1, Bool{}, kLegacy, kCheap));
  RETURN_IF_ERROR(RegisterBinaryOp<XorOp>(r, "Xor", 1, Bool{}, kLegacy, kCheap));
  return absl::OkStatus();
}

absl::Status RegisterBitwise(KernelRegistry& r) {
  constexpr int64_t kCheap = kParallelCheap;
  RETURN_IF_ERROR(RegisterBinaryOp<BitShiftOp>(r, "BitShift", 11, UnsignedIntTypes{}, 0, kCheap,
                                               MakeBitShift));
  RETURN_IF_ERROR(RegisterBinaryOp<BitwiseAndOp>(r, "BitwiseAnd", 18, IntTypes{}, 0, kCheap));
  RETURN_IF_ERROR(RegisterBinaryOp<BitwiseOrOp>(r, "BitwiseOr", 18, IntTypes{}, 0, kCheap));
  RETURN_IF_ERROR(RegisterBinaryOp<BitwiseXorOp>(r, "BitwiseXor", 18, IntTypes{}, 0, kCheap));
  return absl::OkStatus();
}

}  // namespace berth::engine
