// Shape rules and plain-loop implementations shared by MatMul, Gemm, FusedMatMul, Einsum and
// the integer matmuls: numpy-style batched matmul geometry, a reference-quality loop matmul
// for any arithmetic type, and the epilogue (alpha, bias, activation, residual) applied after
// a product.
#ifndef BERTH_ENGINE_KERNELS_MATH_MATMUL_UTIL_H_
#define BERTH_ENGINE_KERNELS_MATH_MATMUL_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/core/tensor.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {

// The geometry of out = op(A) x op(B) with numpy batch broadcasting. op() transposes the last
// two dims when the matching trans flag is set. A 1-D A is a row [1, K] and a 1-D B a column
// [K, 1]; the added dim is dropped from `output`, as numpy.matmul does.
struct MatMulGeometry {
  Shape batch;           // broadcast batch dims of the product
  Shape a_batch;         // A's batch dims, left-padded with 1s to batch.size()
  Shape b_batch;         // B's batch dims, likewise
  Shape a_batch_stride;  // in matrices; 0 where A is broadcast
  Shape b_batch_stride;
  int64_t m = 0;
  int64_t k = 0;
  int64_t n = 0;
  int64_t batch_count = 1;  // product of `batch`
  Shape output;             // the ONNX output shape
  Shape full_output;        // batch + [m, n] (before dropping 1-D dims)
  bool a_vector = false;    // A was 1-D
  bool b_vector = false;    // B was 1-D
};

// `operand` (broadcastable to g.output) as dims of g.full_output's rank: left-padded with 1s,
// with 1s at the positions of dims dropped for 1-D inputs.
Shape ExpandToFullOutput(absl::Span<const int64_t> operand, const MatMulGeometry& g);

// Fails with InvalidArgument (prefixed by `label`) when an operand is a scalar, K differs, or
// the batch dims do not broadcast.
absl::StatusOr<MatMulGeometry> ComputeMatMulGeometry(absl::string_view label,
                                                     absl::Span<const int64_t> a,
                                                     absl::Span<const int64_t> b, bool trans_a,
                                                     bool trans_b);

// Checks that `operand` broadcasts unidirectionally to `target` (rank not larger, each dim 1
// or equal), naming `what` in the error.
absl::Status CheckBroadcastableTo(absl::string_view label, absl::string_view what,
                                  absl::Span<const int64_t> operand,
                                  absl::Span<const int64_t> target);

// Element strides of `operand` read as if it had shape `target` (0 on broadcast dims); the
// result has target.size() entries. The operand must pass CheckBroadcastableTo.
Shape BroadcastStrides(absl::Span<const int64_t> operand, absl::Span<const int64_t> target);

enum class Activation { kNone, kRelu, kGelu, kGeluTanh, kTanh, kSigmoid };

// "" -> kNone, "Relu", "Gelu" (erf form), "GeluTanh", "Tanh", "Sigmoid"; else InvalidArgument.
absl::StatusOr<Activation> ParseActivation(absl::string_view label, absl::string_view name);

// What follows a product: y = alpha * product + beta * bias, then the activation and the
// residual add, in the order residual_before_activation selects.
struct MatMulEpilogue {
  float alpha = 1.0f;
  float beta = 1.0f;
  Activation activation = Activation::kNone;
  bool residual_before_activation = false;
  bool is_identity() const { return alpha == 1.0f && activation == Activation::kNone; }
};

template <typename T>
T ApplyActivation(Activation act, T x) {
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > T(0) ? x : T(0);
    case Activation::kGelu: return T(0.5) * x * (T(1) + std::erf(x * T(M_SQRT1_2)));
    case Activation::kGeluTanh: {
      const T c = T(0.7978845608028654);  // sqrt(2 / pi)
      return T(0.5) * x * (T(1) + std::tanh(c * (x + T(0.044715) * x * x * x)));
    }
    case Activation::kTanh: return std::tanh(x);
    case Activation::kSigmoid: return T(1) / (T(1) + std::exp(-x));
  }
  return x;
}

// Accumulator of a matmul over T: float for 16-bit floats, 64-bit for integers.
template <typename T>
using MatMulAcc = std::conditional_t<
    std::is_floating_point_v<T>, T,
    std::conditional_t<std::is_integral_v<T>,
                       std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>, float>>;

// Byte offsets aside, the element offsets of batch `index`'s A and B matrices.
inline void MatMulBatchOffsets(const MatMulGeometry& g, int64_t index, int64_t* a_matrix,
                               int64_t* b_matrix) {
  int64_t a = 0, b = 0;
  for (int d = static_cast<int>(g.batch.size()) - 1; d >= 0; --d) {
    int64_t i = index % g.batch[d];
    index /= g.batch[d];
    a += i * g.a_batch_stride[d];
    b += i * g.b_batch_stride[d];
  }
  *a_matrix = a;
  *b_matrix = b;
}

// Dot product of two contiguous vectors. Independent lane sums let the compiler vectorize
// without reassociating a single running sum.
template <typename Acc, typename T>
inline Acc Dot(const T* a, const T* b, int64_t n) {
  constexpr int kLanes = 16;
  Acc lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      lanes[l] += static_cast<Acc>(a[i + l]) * static_cast<Acc>(b[i + l]);
    }
  }
  Acc s = 0;
  for (; i < n; ++i) s += static_cast<Acc>(a[i]) * static_cast<Acc>(b[i]);
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return s + lanes[0];
}

// out = op(A) x op(B) for row-major A, B (shapes as in `g`), any arithmetic element type.
// Rows are split over OpenMP threads when the work is large.
template <typename T>
void PlainMatMul(const T* a, const T* b, T* out, const MatMulGeometry& g, bool trans_a,
                 bool trans_b) {
  using Acc = MatMulAcc<T>;
  const int64_t M = g.m, K = g.k, N = g.n;
  const int64_t a_sm = trans_a ? 1 : K, a_sk = trans_a ? M : 1;
  const int64_t b_sk = trans_b ? 1 : N, b_sn = trans_b ? K : 1;
  const int64_t rows = g.batch_count * M;
  const bool parallel = rows > 1 && rows * N * std::max<int64_t>(K, 1) > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t a_mat = 0, b_mat = 0;
    MatMulBatchOffsets(g, r / M, &a_mat, &b_mat);
    const T* arow = a + a_mat * M * K + (r % M) * a_sm;
    const T* bmat = b + b_mat * K * N;
    T* orow = out + r * N;
    if (b_sn == 1) {
      constexpr int64_t kChunk = 256;
      Acc acc[kChunk];
      for (int64_t j0 = 0; j0 < N; j0 += kChunk) {
        const int64_t jn = std::min(kChunk, N - j0);
        std::fill(acc, acc + jn, Acc(0));
        for (int64_t kk = 0; kk < K; ++kk) {
          const Acc av = static_cast<Acc>(arow[kk * a_sk]);
          const T* brow = bmat + kk * b_sk + j0;
          for (int64_t j = 0; j < jn; ++j) acc[j] += av * static_cast<Acc>(brow[j]);
        }
        for (int64_t j = 0; j < jn; ++j) orow[j0 + j] = static_cast<T>(acc[j]);
      }
    } else {
      for (int64_t j = 0; j < N; ++j) {
        const T* bcol = bmat + j * b_sn;
        Acc s = 0;
        if (a_sk == 1 && b_sk == 1) {
          s = Dot<Acc>(arow, bcol, K);
        } else {
          for (int64_t kk = 0; kk < K; ++kk) {
            s += static_cast<Acc>(arow[kk * a_sk]) * static_cast<Acc>(bcol[kk * b_sk]);
          }
        }
        orow[j] = static_cast<T>(s);
      }
    }
  }
}

// Applies `epi` in place to `out` (shape `out_shape`). `bias` and `residual` (either may be
// null) must be broadcastable to out_shape and of type T. Integer types keep exact
// arithmetic when alpha and beta are 1 and support no activation.
template <typename T>
void ApplyEpilogue(T* out, absl::Span<const int64_t> out_shape, const Tensor* bias,
                   const Tensor* residual, const MatMulEpilogue& epi) {
  using C = std::conditional_t<std::is_integral_v<T>, double, ComputeT<T>>;
  const int rank = static_cast<int>(out_shape.size());
  const int64_t total = NumElementsOf(out_shape);
  if (total == 0) return;
  const int64_t inner = rank == 0 ? 1 : out_shape[rank - 1];
  const int64_t rows = total / inner;
  Shape bias_strides = bias ? BroadcastStrides(bias->shape(), out_shape) : Shape(rank, 0);
  Shape res_strides = residual ? BroadcastStrides(residual->shape(), out_shape) : Shape(rank, 0);
  const T* bias_data = bias ? bias->data<T>() : nullptr;
  const T* res_data = residual ? residual->data<T>() : nullptr;
  const int64_t bias_inner = rank == 0 ? 0 : bias_strides[rank - 1];
  const int64_t res_inner = rank == 0 ? 0 : res_strides[rank - 1];
  const bool exact = std::is_integral_v<T> && epi.alpha == 1.0f && epi.beta == 1.0f;
  const bool parallel = total > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t bias_off = 0, res_off = 0, rem = r;
    for (int d = rank - 2; d >= 0; --d) {
      int64_t i = rem % out_shape[d];
      rem /= out_shape[d];
      bias_off += i * bias_strides[d];
      res_off += i * res_strides[d];
    }
    T* row = out + r * inner;
    for (int64_t j = 0; j < inner; ++j) {
      if constexpr (std::is_integral_v<T>) {
        if (exact) {
          T v = row[j];
          if (bias_data) v = static_cast<T>(v + bias_data[bias_off + j * bias_inner]);
          if (res_data) v = static_cast<T>(v + res_data[res_off + j * res_inner]);
          row[j] = v;
          continue;
        }
      }
      C v = static_cast<C>(epi.alpha) * static_cast<C>(row[j]);
      if (bias_data) {
        v += static_cast<C>(epi.beta) * static_cast<C>(bias_data[bias_off + j * bias_inner]);
      }
      C res = res_data ? static_cast<C>(res_data[res_off + j * res_inner]) : C(0);
      if (epi.residual_before_activation) v += res;
      if constexpr (!std::is_integral_v<T>) v = ApplyActivation(epi.activation, v);
      if (!epi.residual_before_activation) v += res;
      row[j] = static_cast<T>(v);
    }
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_MATMUL_UTIL_H_
