// Registration functions of the elementwise kernels, one per op family; called in order by
// RegisterElementwiseKernels (register_elementwise.cc). Each registers every opset (1-21) the
// family's ops have.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_ELEMENTWISE_OPS_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_ELEMENTWISE_OPS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// Abs, Neg, Reciprocal, Floor, Ceil, Round, Sqrt, Exp, Log, Sin, Cos, Tan, Asin, Acos, Atan,
// Sinh, Cosh, Asinh, Acosh, Atanh, Erf, Sign (unary_math.cc).
absl::Status RegisterUnaryMath(KernelRegistry& registry);
// Not, IsNaN, IsInf, BitwiseNot (unary_math.cc).
absl::Status RegisterUnaryLogic(KernelRegistry& registry);
// Relu, LeakyRelu, Elu, Selu, Celu, Sigmoid, HardSigmoid, HardSwish, Softplus, Softsign, Tanh,
// ThresholdedRelu, Mish, Gelu, Shrink (activations.cc).
absl::Status RegisterActivations(KernelRegistry& registry);
absl::Status RegisterPRelu(KernelRegistry& registry);  // prelu.cc
absl::Status RegisterClip(KernelRegistry& registry);   // clip.cc
// Add, Sub, Mul, Div, Mod (arithmetic.cc).
absl::Status RegisterArithmetic(KernelRegistry& registry);
absl::Status RegisterPow(KernelRegistry& registry);  // pow.cc
// Equal, Greater, Less, GreaterOrEqual, LessOrEqual, And, Or, Xor (comparison.cc).
absl::Status RegisterComparisons(KernelRegistry& registry);
// BitShift, BitwiseAnd, BitwiseOr, BitwiseXor (comparison.cc).
absl::Status RegisterBitwise(KernelRegistry& registry);
// Sum, Mean, Max, Min (variadic.cc).
absl::Status RegisterVariadic(KernelRegistry& registry);
absl::Status RegisterWhere(KernelRegistry& registry);  // where.cc
// Cast, CastLike (cast.cc).
absl::Status RegisterCast(KernelRegistry& registry);
absl::Status RegisterDropout(KernelRegistry& registry);  // dropout.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_ELEMENTWISE_OPS_H_
