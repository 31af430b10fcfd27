// A float32 matrix product on oneDNN with a fused epilogue: the engine of MatMul, Gemm and
// FusedMatMul (and the building block a graph pass targets when it fuses bias, activation and
// residual adds into a matmul).
//
//   out = post(alpha * op(A) x op(B) + beta * bias)
//   post = activation then "+ residual", or "+ residual" then activation
//
// A constant B (known at load) is reordered once into the layout oneDNN prefers. Primitives
// are built per input shape on first use and cached. Where oneDNN would pick its slow
// reference implementation for a fused epilogue (unusual bias broadcasts), the product runs
// unfused and the epilogue is applied by a loop.
#ifndef BERTH_ENGINE_KERNELS_MATH_DNNL_MATMUL_H_
#define BERTH_ENGINE_KERNELS_MATH_DNNL_MATMUL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"

namespace berth::engine {

class DnnlMatMul {
 public:
  struct Options {
    bool trans_a = false;  // transpose A's last two dims
    bool trans_b = false;  // transpose B's last two dims
    MatMulEpilogue epilogue;
  };

  // `label` prefixes error messages. `constant_b`, when non-null, is B's value known at load;
  // it is only read during Create: a 2-D (or [1, ..., K, N]) float B too large for the plain
  // loop is reordered into oneDNN's preferred layout and kept (see holds_weights). Fails
  // with Internal when oneDNN rejects the weights.
  static absl::StatusOr<std::unique_ptr<DnnlMatMul>> Create(std::string label,
                                                            const Options& options,
                                                            const Tensor* constant_b);

  // Computes into `out`, which the caller has already given shape g.output. `a` and `b` are
  // float32 with the shapes `g` was computed from; `bias` and `residual` (null when absent)
  // are float32 and broadcastable to g.output. `b` may be null when holds_weights() and A
  // is not transposed or has no batch dims (otherwise Internal). Thread-safe.
  absl::Status Run(KernelContext& ctx, const MatMulGeometry& g, const Tensor& a, const Tensor* b,
                   const Tensor* bias, const Tensor* residual, Tensor* out) const;

  const Options& options() const { return options_; }

  // True when Create kept its own packed copy of the constant B, so the caller may let the
  // runtime drop the original (KernelInfo::ConsumeConstantInput) and pass b = null.
  bool holds_weights() const { return packed_k_ >= 0; }
  // The shape of the constant B given to Create (empty when there was none).
  const Shape& constant_b_shape() const { return constant_b_shape_; }

 private:
  struct Entry {
    dnnl::matmul primitive;
    dnnl::memory::desc src, weights, dst, bias, residual, scratchpad;
    size_t scratchpad_bytes = 0;
    int bias_arg = 0;      // execution arg of the bias, 0 when applied by the loop
    int residual_arg = 0;  // likewise for the residual
    bool manual_epilogue = false;
    bool packed_weights = false;
  };
  struct Layout;  // memory descriptors of one shape, see BuildLayout

  DnnlMatMul(std::string label, const Options& options);
  absl::Status PackWeights(const Tensor& b);
  absl::StatusOr<Entry> Build(const Layout& layout) const;
  absl::Status NeedsB() const;
  absl::Status RunPlain(const MatMulGeometry& g, const Tensor& a, const Tensor* b,
                        const Tensor* bias, const Tensor* residual, Tensor* out) const;

  std::string label_;
  Options options_;
  // B reordered to oneDNN's preferred layout (empty when not constant or already plain).
  dnnl::memory::desc packed_desc_;
  Tensor packed_;
  int64_t packed_k_ = -1;
  int64_t packed_n_ = -1;
  Shape constant_b_shape_;
  PrimitiveCache<Entry> cache_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_DNNL_MATMUL_H_
