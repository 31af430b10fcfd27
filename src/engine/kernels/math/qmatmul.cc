// MatMulInteger (int32 product of 8-bit operands minus their zero points) and QLinearMatMul
// (the same product requantized with scales). Batch broadcasting follows MatMul. Zero points
// and scales of A are per tensor or per row; those of B per tensor or per column.
// With a constant 2-D B (and a constant or absent B zero point) the product runs on oneDNN's
// int8 matmul (DnnlQMatMul, B prepacked at load); otherwise on the reference loop below.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/dnnl_qmatmul.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"
#include "engine/kernels/math/quant_util.h"

namespace berth::engine {
namespace {

// Checks that a zero point or scale of `count` elements is per tensor or per row (of A) /
// per column (of B). `rows` counts A's rows over all batches; `cols` B's columns likewise.
absl::Status CheckParamCount(absl::string_view label, absl::string_view what, int64_t count,
                             int64_t per_matrix, int64_t all) {
  if (count == 1 || count == per_matrix || count == all) return absl::OkStatus();
  return NodeError(label, absl::StrCat(what, " has ", count, " elements; expected 1, ", per_matrix,
                                       " or ", all));
}

// x converted to int32 minus its zero point, into `out`. For A (`is_a`) the zero point
// follows the row (x viewed as [rows, k]); for B the column (x viewed as [batches, k, n]).
template <typename Q>
void Widen(const Tensor& x, const Tensor* zp, bool is_a, int64_t k, int64_t n, int32_t* out) {
  const Q* in = x.data<Q>();
  const int64_t total = x.num_elements();
  const int64_t count = zp ? zp->num_elements() : 0;
  const int32_t z0 = count == 1 ? ElementAsInt32(*zp, 0) : 0;
  for (int64_t e = 0; e < total; ++e) {
    int32_t z = z0;
    if (count > 1) {
      const int64_t p = is_a ? e / k : (e / (k * n)) * n + e % n;
      z = ElementAsInt32(*zp, p % count);
    }
    out[e] = static_cast<int32_t>(in[e]) - z;
  }
}

template <typename Fn>
bool Visit8Bit(DataType t, Fn&& fn) {
  if (t == DataType::kUint8) return fn(uint8_t{}), true;
  if (t == DataType::kInt8) return fn(int8_t{}), true;
  return false;
}

// Computes the int32 product of (A - a_zp) and (B - b_zp) into `product` (g.full_output
// elements); `work` holds the widened operands.
absl::Status IntegerProduct(absl::string_view label, const Tensor& a, const Tensor* a_zp,
                            const Tensor& b, const Tensor* b_zp, const MatMulGeometry& g,
                            int32_t* work, int32_t* product) {
  const int64_t b_batches = b.num_elements() / std::max<int64_t>(g.k * g.n, 1);
  if (a_zp) {
    RETURN_IF_ERROR(CheckParamCount(label, "A's zero point", a_zp->num_elements(), g.m,
                                    a.num_elements() / std::max<int64_t>(g.k, 1)));
  }
  if (b_zp) {
    RETURN_IF_ERROR(
        CheckParamCount(label, "B's zero point", b_zp->num_elements(), g.n, b_batches * g.n));
  }
  int32_t* wa = work;
  int32_t* wb = work + a.num_elements();
  bool ok =
      Visit8Bit(a.dtype(), [&](auto tag) { Widen<decltype(tag)>(a, a_zp, true, g.k, g.n, wa); }) &&
      Visit8Bit(b.dtype(), [&](auto tag) { Widen<decltype(tag)>(b, b_zp, false, g.k, g.n, wb); });
  if (!ok) return NodeError(label, "A and B must be uint8 or int8");
  PlainMatMul(wa, wb, product, g, false, false);
  return absl::OkStatus();
}

// The oneDNN form of a node whose B (input `b_index`) is a constant 2-D matrix and whose B
// zero point (input `b_zp_index`) is absent or constant; null when that does not hold (the
// reference loop then runs). Consumes B.
absl::StatusOr<std::unique_ptr<DnnlQMatMul>> MakeFastPath(KernelInfo& info, int b_index,
                                                          int b_zp_index) {
  const Tensor* b = info.constant_input(b_index);
  const Tensor* b_zp = info.has_input(b_zp_index) ? info.constant_input(b_zp_index) : nullptr;
  if (b == nullptr || b->rank() != 2 || (info.has_input(b_zp_index) && b_zp == nullptr)) {
    return nullptr;
  }
  absl::StatusOr<ShiftedWeights> shifted =
      ShiftWeightsToInt8(NodeLabel(info.node()), *b, b_zp, /*allow_residual=*/true);
  if (!shifted.ok()) return nullptr;
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlQMatMul> mm,
                   DnnlQMatMul::Create(NodeLabel(info.node()), std::move(*shifted), {}));
  info.ConsumeConstantInput(b_index);
  return mm;
}

// The product (A - a_zp) x (B - b_zp) on `mm` (which holds B - b_zp), into `out` or, when
// null, into scratch memory. Returns where it went.
absl::StatusOr<int32_t*> FastIntegerProduct(absl::string_view label, KernelContext& ctx,
                                            const DnnlQMatMul& mm, const Tensor& a,
                                            const Tensor* a_zp, const MatMulGeometry& g,
                                            int32_t* out) {
  std::vector<int32_t> zp;
  if (a_zp) {
    RETURN_IF_ERROR(CheckParamCount(label, "A's zero point", a_zp->num_elements(), g.m,
                                    a.num_elements() / std::max<int64_t>(g.k, 1)));
    zp.resize(a_zp->num_elements());
    for (size_t i = 0; i < zp.size(); ++i) zp[i] = ElementAsInt32(*a_zp, static_cast<int64_t>(i));
  }
  return mm.RunInt32(ctx, a.raw_data(), a.dtype(), g.batch_count * g.m,
                     zp.empty() ? nullptr : zp.data(), static_cast<int64_t>(zp.size()), out);
}

class MatMulIntegerKernel : public Kernel {
 public:
  MatMulIntegerKernel(std::string label, std::unique_ptr<DnnlQMatMul> fast)
      : label_(std::move(label)), fast_(std::move(fast)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    if (a == nullptr || (b == nullptr && !fast_)) {
      return NodeError(label_, "inputs A and B are required");
    }
    const Tensor* a_zp = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    const Tensor* b_zp = ctx.num_inputs() > 3 ? ctx.input(3) : nullptr;
    const Shape b_shape = fast_ ? Shape{fast_->k(), fast_->n()} : b->shape();
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, a->shape(), b_shape, false, false));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, g.output));
    if (fast_) {
      return FastIntegerProduct(label_, ctx, *fast_, *a, a_zp, g, y->data<int32_t>()).status();
    }
    auto* work = static_cast<int32_t*>(
        ctx.Scratch((a->num_elements() + b->num_elements() + 1) * sizeof(int32_t)));
    if (work == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
    return IntegerProduct(label_, *a, a_zp, *b, b_zp, g, work, y->data<int32_t>());
  }

 private:
  std::string label_;
  std::unique_ptr<DnnlQMatMul> fast_;  // null: the reference loop
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMatMulInteger(KernelInfo& info) {
  SetOutputType(info, 0, DataType::kInt32);
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlQMatMul> fast, MakeFastPath(info, 1, 3));
  return std::unique_ptr<Kernel>(new MatMulIntegerKernel(NodeLabel(info.node()), std::move(fast)));
}

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
class QLinearMatMulKernel : public Kernel {
 public:
  QLinearMatMulKernel(std::string label, std::unique_ptr<DnnlQMatMul> fast)
      : label_(std::move(label)), fast_(std::move(fast)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* in[8] = {};
    for (int i = 0; i < 8 && i < ctx.num_inputs(); ++i) in[i] = ctx.input(i);
    const Tensor *a = in[0], *a_scale = in[1], *b = in[3], *b_scale = in[4], *y_scale = in[6];
    const Tensor *a_zp = in[2], *b_zp = in[5], *y_zp = in[7];
    if (!a || !a_scale || !(b || fast_) || !b_scale || !y_scale) {
      return NodeError(label_, "a, a_scale, b, b_scale and y_scale are required");
    }
    const Shape b_shape = fast_ ? Shape{fast_->k(), fast_->n()} : b->shape();
    ASSIGN_OR_RETURN(MatMulGeometry g,
                     ComputeMatMulGeometry(label_, a->shape(), b_shape, false, false));
    RETURN_IF_ERROR(CheckParamCount(label_, "a_scale", a_scale->num_elements(), g.m, g.m));
    RETURN_IF_ERROR(CheckParamCount(label_, "b_scale", b_scale->num_elements(), g.n, g.n));
    if (y_scale->num_elements() != 1 || (y_zp && y_zp->num_elements() != 1)) {
      return NodeError(label_, "y_scale and y_zero_point must hold one element");
    }
    const DataType out_type = y_zp ? y_zp->dtype() : a->dtype();
    ASSIGN_OR_RETURN(Tensor * y, ctx.OutputWithType(0, out_type, g.output));
    const int64_t out_count = NumElementsOf(g.full_output);
    int32_t* product = nullptr;
    if (fast_) {
      ASSIGN_OR_RETURN(product, FastIntegerProduct(label_, ctx, *fast_, *a, a_zp, g, nullptr));
    } else {
      auto* work = static_cast<int32_t*>(
          ctx.Scratch((a->num_elements() + b->num_elements() + out_count + 1) * sizeof(int32_t)));
      if (work == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
      product = work + a->num_elements() + b->num_elements();
      RETURN_IF_ERROR(IntegerProduct(label_, *a, a_zp, *b, b_zp, g, work, product));
    }
    const float ys = ElementAsFloat(*y_scale, 0);
    const int32_t yz = y_zp ? ElementAsInt32(*y_zp, 0) : 0;
    const int64_t a_count = a_scale->num_elements(), b_count = b_scale->num_elements();
    std::vector<float> a_scales(g.m), b_scales(g.n);
    for (int64_t r = 0; r < g.m; ++r) a_scales[r] = ElementAsFloat(*a_scale, a_count == 1 ? 0 : r);
    for (int64_t c = 0; c < g.n; ++c) b_scales[c] = ElementAsFloat(*b_scale, b_count == 1 ? 0 : c);
    bool ok = Visit8Bit(out_type, [&](auto tag) {
      using Q = decltype(tag);
      Q* out = y->data<Q>();
      for (int64_t e = 0; e < out_count; ++e) {
        const int64_t row = (e / g.n) % g.m, col = e % g.n;
        const float multiplier = a_scales[row] * b_scales[col] / ys;
        // Scaled in double, as the ONNX reference does (int32 times float32 in numpy).
        const double real = static_cast<double>(product[e]) * multiplier;
        out[e] = SaturateRound<Q, double>(real, yz);
      }
    });
    if (!ok) return NodeError(label_, "y_zero_point must be uint8 or int8");
    return absl::OkStatus();
  }

 private:
  std::string label_;
  std::unique_ptr<DnnlQMatMul> fast_;  // null: the reference loop
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateQLinearMatMul(KernelInfo& info) {
  if (info.has_input(7)) SetOutputType(info, 0, info.input_type(7));
  ASSIGN_OR_RETURN(std::unique_ptr<DnnlQMatMul> fast, MakeFastPath(info, 3, 5));
  return std::unique_ptr<Kernel>(new QLinearMatMulKernel(NodeLabel(info.node()), std::move(fast)));
}

}  // namespace

absl::Status RegisterQuantizedMatMul(KernelRegistry& registry) {
  const std::vector<DataType> eight_bit = {DataType::kUint8, DataType::kInt8};
  RETURN_IF_ERROR(
      registry.Register({"", "MatMulInteger", 10, 21, 0, eight_bit, CreateMatMulInteger}));
  return registry.Register({"", "QLinearMatMul", 10, 21, 0, eight_bit, CreateQLinearMatMul});
}

}  // namespace berth::engine
