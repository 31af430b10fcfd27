// An 8-bit matrix product on oneDNN's u8 x s8 kernels (VNNI on this CPU) with a constant,
// prepacked weight matrix: the engine of berth::DynamicQuantizeMatMul and of MatMulInteger /
// QLinearMatMul with constant 2-D weights.
//
// The weights W (int8 or uint8, [K, N]) are stored once as W' = W - W_zero_point in int8
// (see ShiftWeightsToInt8) together with their column sums, so that the product with an
// input A of zero point a_zp is
//   sum_k (A[r, k] - a_zp) * W'[k, c] = (A x W')[r, c] - a_zp * colsum(W')[c],
// which lets oneDNN run without zero points; the correction is folded into the epilogue.
// Products too small for oneDNN's per-call overhead run in a loop over the same W'.
#ifndef BERTH_ENGINE_KERNELS_MATH_DNNL_QMATMUL_H_
#define BERTH_ENGINE_KERNELS_MATH_DNNL_QMATMUL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/core/tensor.h"
#include "engine/kernels/kernel.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"

namespace berth::engine {

// W - W_zero_point as int8, row-major [k, n], and the column sums of that matrix. When the
// difference does not fit int8 (uint8 weights with a zero point far from 128), `data` holds
// W shifted by a constant into int8 instead and `residual_zero_point` the zero point left per
// column (W - W_zero_point = data - residual_zero_point); empty when no such residue.
struct ShiftedWeights {
  int64_t k = 0, n = 0;
  std::vector<int8_t> data;
  std::vector<int32_t> column_sums;
  std::vector<int32_t> residual_zero_point;
};

// Largest K * N the weights may have (the int32 column sums and accumulators stay exact up
// to K = 2^16 for 8-bit operands; 2^28 elements bounds memory).
inline constexpr int64_t kMaxQuantizedWeightElements = int64_t{1} << 28;
inline constexpr int64_t kMaxQuantizedK = int64_t{1} << 16;

// `w` must be a 2-D int8 or uint8 tensor; `zero_point` (null for 0) one element or one per
// column (n), of any integer type. Fails with InvalidArgument, naming `label`, when a shape or
// type does not fit, or, unless `allow_residual`, when some W - zero_point falls outside
// [-128, 127] (for example uint8 weights with zero point 0), which oneDNN's s8 weights cannot
// hold. With `allow_residual` such weights are stored with a residual zero point (RunInt32
// handles it; RunDynamic refuses it).
absl::StatusOr<ShiftedWeights> ShiftWeightsToInt8(absl::string_view label, const Tensor& w,
                                                  const Tensor* zero_point,
                                                  bool allow_residual = false);

class DnnlQMatMul {
 public:
  // The float epilogue (alpha and beta are unused: the scales come per call).
  struct Options {
    Activation activation = Activation::kNone;
    bool residual_before_activation = false;
  };

  // Packs `weights` into oneDNN's preferred layout. Fails with Internal when oneDNN rejects
  // them.
  static absl::StatusOr<std::unique_ptr<DnnlQMatMul>> Create(std::string label,
                                                             ShiftedWeights weights,
                                                             const Options& options);

  // True when RunDynamic can run on `w`: no residual zero point, or the same for every column
  // (it then becomes a per-row correction applied before the scales).
  static bool SupportsDynamic(const ShiftedWeights& w);

  int64_t k() const { return w_.k; }
  int64_t n() const { return w_.n; }

  // Quantizes x [rows, k] (float) as DynamicQuantizeLinear does, then
  //   out[r, c] = post(x_scale * w_scale[c] * sum_k (xq[r, k] - x_zp) * W'[k, c] + bias[c])
  // where post applies the activation and adds residual[r, c] in the order of the options.
  // w_scale holds 1 or n floats, bias (may be null) 1 or n; residual (may be null) is a
  // contiguous [rows, n]. Weights with a residual zero point need it uniform (a per-tensor
  // zero point: see SupportsDynamic); otherwise Internal. Thread-safe.
  absl::Status RunDynamic(KernelContext& ctx, const float* x, int64_t rows, const float* w_scale,
                          int64_t w_scale_count, const float* bias, int64_t bias_count,
                          const float* residual, float* out) const;

  // out[r, c] = sum_k (a[r, k] - a_zp[r % a_zp_count]) * (W - W_zp)[k, c] exactly, a [rows, k]
  // being uint8 or int8 (`a_type`); a_zp may be null (zero). With out null, the product goes to the
  // context's scratch memory (valid until its next Scratch call). Returns where it went.
  // Thread-safe.
  absl::StatusOr<int32_t*> RunInt32(KernelContext& ctx, const void* a, DataType a_type,
                                    int64_t rows, const int32_t* a_zp, int64_t a_zp_count,
                                    int32_t* out) const;

 private:
  enum class Mode { kDynamic, kInt32 };
  struct Entry {
    dnnl::matmul primitive;
    dnnl::memory::desc src, dst, scales, shift, residual, scratchpad;
    size_t scratchpad_bytes = 0;
  };

  DnnlQMatMul(std::string label, ShiftedWeights weights, const Options& options);
  absl::Status Pack();
  absl::StatusOr<Entry> Build(Mode mode, bool a_signed, int64_t rows, bool residual) const;
  absl::StatusOr<std::shared_ptr<const Entry>> Lookup(Mode mode, bool a_signed, int64_t rows,
                                                      bool residual) const;
  bool UseLoop(int64_t rows) const;

  std::string label_;
  ShiftedWeights w_;
  Options options_;
  dnnl::memory::desc packed_desc_;
  std::vector<uint8_t> packed_;  // W' in packed_desc_'s layout
  int32_t row_zero_point_ = 0;   // the uniform residual zero point (0: none)
  PrimitiveCache<Entry> cache_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_MATH_DNNL_QMATMUL_H_
