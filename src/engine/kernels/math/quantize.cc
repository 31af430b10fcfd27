// QuantizeLinear, DequantizeLinear (per tensor, per axis from opset 13, blocked from 21) and
// DynamicQuantizeLinear. Integer encodings only: uint8, int8, and from opset 21 uint16 and
// int16 (plus int32 inputs to DequantizeLinear); float8 and 4-bit encodings are refused.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/dynamic_quantize.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/qlinear_add.h"
#include "engine/kernels/math/quant_util.h"

namespace berth::engine {
namespace {

bool IsQuantizedType(DataType t) {
  return t == DataType::kUint8 || t == DataType::kInt8 || t == DataType::kUint16 ||
         t == DataType::kInt16;
}

template <typename Fn>
bool VisitQuantizedType(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kUint8:
      fn(uint8_t{});
      return true;
    case DataType::kInt8:
      fn(int8_t{});
      return true;
    case DataType::kUint16:
      fn(uint16_t{});
      return true;
    case DataType::kInt16:
      fn(int16_t{});
      return true;
    case DataType::kInt32:
      fn(int32_t{});
      return true;
    default:
      return false;
  }
}

// Scales and zero points converted once per run, so the element loops only index arrays.
struct QuantParams {
  const float* scale;
  const int32_t* zero_point;
};

absl::StatusOr<QuantParams> LoadQuantParams(absl::string_view label, KernelContext& ctx,
                                            const Tensor& scale, const Tensor* zp) {
  const int64_t n = scale.num_elements();
  void* scratch = ctx.Scratch(std::max<int64_t>(n, 1) * (sizeof(float) + sizeof(int32_t)));
  if (scratch == nullptr) return absl::ResourceExhaustedError(absl::StrCat(label, ": no scratch"));
  auto* s = static_cast<float*>(scratch);
  auto* z = reinterpret_cast<int32_t*>(s + std::max<int64_t>(n, 1));
  for (int64_t i = 0; i < n; ++i) {
    s[i] = ElementAsFloat(scale, i);
    z[i] = zp ? ElementAsInt32(*zp, i) : 0;
  }
  return QuantParams{s, z};
}

// Calls fn(o, j, i, offset) for every element of the [outer, d, inner] view, rows split over
// threads when large.
template <typename Fn>
void ForEachQuantElement(const QuantParamLayout& l, Fn&& fn) {
  const int64_t rows = l.outer * l.d;
  const bool parallel = rows > 1 && rows * l.inner > kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r / l.d, j = r % l.d;
    for (int64_t i = 0; i < l.inner; ++i) fn(o, j, i, r * l.inner + i);
  }
}

// Per tensor between float and 8 bits, the case of every activation of a QDQ model: flat loops
// the compiler vectorizes, split over threads when large. Rounding is to nearest even by
// adding and subtracting 1.5 * 2^23, exact once the value is clamped to the 8-bit range.
constexpr int64_t kFlatBlock = 4096;

template <typename Q>
void QuantizeFlat(const float* in, Q* out, int64_t n, float scale, int32_t zero_point) {
  const float lo = static_cast<float>(std::numeric_limits<Q>::lowest() - zero_point);
  const float hi = static_cast<float>(std::numeric_limits<Q>::max() - zero_point);
  constexpr float kMagic = 12582912.f;
  const int64_t blocks = (n + kFlatBlock - 1) / kFlatBlock;
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t end = std::min(n, (b + 1) * kFlatBlock);
    for (int64_t i = b * kFlatBlock; i < end; ++i) {
      float v = in[i] / scale;
      v = v == v ? v : 0.f;  // NaN quantizes to the zero point
      v = std::min(std::max(v, lo), hi);
      v = (v + kMagic) - kMagic;
      out[i] = static_cast<Q>(static_cast<int32_t>(v) + zero_point);
    }
  }
}

template <typename Q>
void DequantizeFlat(const Q* in, float* out, int64_t n, float scale, int32_t zero_point) {
  const float z = static_cast<float>(zero_point);
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) out[i] = (static_cast<float>(in[i]) - z) * scale;
}

// Per axis to float: x viewed as [outer, d, inner] with scale[j] and zero_point[j] for index j
// along the axis. With inner 1 (the last axis, e.g. MatMul weights [K, N] on axis 1) each of
// the outer rows runs over the d parameters; otherwise each (o, j) row is a flat run of inner
// elements sharing one scale. Rows are split over threads when large.
template <typename Q>
void DequantizePerAxis(const Q* in, float* out, const QuantParamLayout& l, const QuantParams& p) {
  const bool parallel = l.outer * l.d * l.inner > kParallelThreshold;
  if (l.inner == 1) {
#pragma omp parallel for schedule(static) if (parallel && l.outer > 1)
    for (int64_t o = 0; o < l.outer; ++o) {
      const Q* row_in = in + o * l.d;
      float* row_out = out + o * l.d;
      for (int64_t j = 0; j < l.d; ++j) {
        row_out[j] =
            (static_cast<float>(row_in[j]) - static_cast<float>(p.zero_point[j])) * p.scale[j];
      }
    }
    return;
  }
  const int64_t rows = l.outer * l.d;
#pragma omp parallel for schedule(static) if (parallel && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t j = r % l.d;
    const float scale = p.scale[j], z = static_cast<float>(p.zero_point[j]);
    const Q* row_in = in + r * l.inner;
    float* row_out = out + r * l.inner;
    for (int64_t i = 0; i < l.inner; ++i) row_out[i] = (static_cast<float>(row_in[i]) - z) * scale;
  }
}

// The common DequantizeLinear cases in flat loops: per tensor or per axis, from uint8, int8 or
// int32 to float. False (nothing written) for the rest (blocked scales, 16-bit inputs, half
// outputs), which the generic loop handles.
bool DequantizeCommon(const Tensor& x, const QuantParams& p, const QuantParamLayout& l, Tensor* y) {
  const bool per_tensor = l.outer_stride == 0 && l.d_stride == 0 && l.inner_stride == 0;
  const bool per_axis =
      l.block == 1 && l.outer_stride == 0 && l.d_stride == 1 && l.inner_stride == 0;
  if (y->dtype() != DataType::kFloat || !(per_tensor || per_axis)) return false;
  auto run = [&](auto qtag) {
    using Q = decltype(qtag);
    if (per_tensor) {
      DequantizeFlat(x.data<Q>(), y->data<float>(), x.num_elements(), p.scale[0], p.zero_point[0]);
    } else {
      DequantizePerAxis(x.data<Q>(), y->data<float>(), l, p);
    }
  };
  const DataType t = x.dtype();
  return (t == DataType::kUint8 || t == DataType::kInt8 || t == DataType::kInt32) &&
         VisitQuantizedType(t, run);
}

// Runs `fn(Q{})` for uint8 and int8; false for other types.
template <typename Fn>
bool VisitByteType(DataType t, Fn&& fn) {
  if (t == DataType::kUint8) {
    fn(uint8_t{});
    return true;
  }
  if (t == DataType::kInt8) {
    fn(int8_t{});
    return true;
  }
  return false;
}

class QuantizeKernel : public Kernel {
 public:
  QuantizeKernel(std::string label, DataType out_type, int64_t axis, int64_t block_size)
      : label_(std::move(label)), out_type_(out_type), axis_(axis), block_size_(block_size) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* scale = ctx.num_inputs() > 1 ? ctx.input(1) : nullptr;
    const Tensor* zp = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    if (x == nullptr || scale == nullptr) {
      return NodeError(label_, "inputs x and y_scale are required");
    }
    if (zp != nullptr && zp->dtype() != out_type_) {
      return NodeError(label_, "y_zero_point type differs from the output type");
    }
    ASSIGN_OR_RETURN(QuantParamLayout layout,
                     MakeQuantParamLayout(label_, x->shape(), *scale, zp, axis_, block_size_));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    ASSIGN_OR_RETURN(QuantParams params, LoadQuantParams(label_, ctx, *scale, zp));
    if (scale->num_elements() == 1 && x->dtype() == DataType::kFloat &&
        VisitByteType(out_type_, [&](auto qtag) {
          QuantizeFlat(x->data<float>(), y->data<decltype(qtag)>(), x->num_elements(),
                       params.scale[0], params.zero_point[0]);
        })) {
      return absl::OkStatus();
    }
    bool ok = false;
    VisitQuantizedType(out_type_, [&](auto qtag) {
      using Q = decltype(qtag);
      auto run = [&](auto xtag) { Run<Q, decltype(xtag)>(*x, params, layout, y); };
      ok = VisitFloatTypes(x->dtype(), run);
      if (!ok && x->dtype() == DataType::kInt32) {
        run(int32_t{});
        ok = true;
      }
    });
    if (!ok) return NodeError(label_, "unsupported input type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  template <typename Q, typename X>
  static void Run(const Tensor& x, const QuantParams& params, const QuantParamLayout& layout,
                  Tensor* y) {
    const X* in = x.data<X>();
    Q* out = y->data<Q>();
    ForEachQuantElement(layout, [&](int64_t o, int64_t j, int64_t i, int64_t e) {
      const int64_t p = layout.Index(o, j, i);
      out[e] = SaturateRound<Q>(static_cast<float>(in[e]) / params.scale[p], params.zero_point[p]);
    });
  }

  std::string label_;
  DataType out_type_;
  int64_t axis_;
  int64_t block_size_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateQuantize(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 1));
  ASSIGN_OR_RETURN(int64_t block_size, info.IntOr("block_size", 0));
  ASSIGN_OR_RETURN(int64_t output_dtype, info.IntOr("output_dtype", 0));
  if (const char* name = UnsupportedQuantTypeName(output_dtype); *name != '\0') {
    return info.Error(absl::StrCat("quantizing to ", name, " is not supported"));
  }
  DataType out = DataType::kUint8;
  if (output_dtype != 0) {
    if (!IsKnownDataType(static_cast<int32_t>(output_dtype))) {
      return info.Error(absl::StrCat("unknown output_dtype ", output_dtype));
    }
    out = static_cast<DataType>(output_dtype);
  }
  if (info.has_input(2)) {
    if (output_dtype != 0 && info.input_type(2) != out) {
      return info.Error("output_dtype differs from the type of y_zero_point");
    }
    out = info.input_type(2);
  }
  if (!IsQuantizedType(out)) {
    return info.Error(absl::StrCat("quantizing to ", DataTypeName(out), " is not supported"));
  }
  SetOutputType(info, 0, out);
  return std::unique_ptr<Kernel>(new QuantizeKernel(NodeLabel(info.node()), out, axis, block_size));
}

class DequantizeKernel : public Kernel {
 public:
  DequantizeKernel(std::string label, int64_t axis, int64_t block_size)
      : label_(std::move(label)), axis_(axis), block_size_(block_size) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* scale = ctx.num_inputs() > 1 ? ctx.input(1) : nullptr;
    const Tensor* zp = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    if (x == nullptr || scale == nullptr) {
      return NodeError(label_, "inputs x and x_scale are required");
    }
    if (zp != nullptr && zp->dtype() != x->dtype()) {
      return NodeError(label_, "x_zero_point type differs from the type of x");
    }
    ASSIGN_OR_RETURN(QuantParamLayout layout,
                     MakeQuantParamLayout(label_, x->shape(), *scale, zp, axis_, block_size_));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    ASSIGN_OR_RETURN(QuantParams params, LoadQuantParams(label_, ctx, *scale, zp));
    if (DequantizeCommon(*x, params, layout, y)) {
      return absl::OkStatus();
    }
    bool ok = false;
    VisitQuantizedType(x->dtype(), [&](auto qtag) {
      using Q = decltype(qtag);
      ok = VisitFloatTypes(y->dtype(), [&](auto ytag) {
        using Y = decltype(ytag);
        const Q* in = x->data<Q>();
        Y* out = y->data<Y>();
        ForEachQuantElement(layout, [&](int64_t o, int64_t j, int64_t i, int64_t e) {
          const int64_t p = layout.Index(o, j, i);
          const float z = static_cast<float>(params.zero_point[p]);
          out[e] = static_cast<Y>((static_cast<float>(in[e]) - z) * params.scale[p]);
        });
      });
    });
    if (!ok) return NodeError(label_, "unsupported input type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  int64_t axis_;
  int64_t block_size_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDequantize(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 1));
  ASSIGN_OR_RETURN(int64_t block_size, info.IntOr("block_size", 0));
  DataType out = DataType::kFloat;
  const DataType scale_type = info.input_type(1);
  if (info.opset() >= 19 &&
      (scale_type == DataType::kFloat16 || scale_type == DataType::kBFloat16)) {
    out = scale_type;
  }
  SetOutputType(info, 0, out);
  return std::unique_ptr<Kernel>(new DequantizeKernel(NodeLabel(info.node()), axis, block_size));
}

class DynamicQuantizeKernel : public Kernel {
 public:
  explicit DynamicQuantizeKernel(std::string label) : label_(std::move(label)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input x is required");
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    ASSIGN_OR_RETURN(Tensor * y_scale, ctx.Output(1, {}));
    ASSIGN_OR_RETURN(Tensor * y_zp, ctx.Output(2, {}));
    const DynamicQuantParams p =
        DynamicQuantize(x->data<float>(), x->num_elements(), y->data<uint8_t>());
    *y_scale->data<float>() = p.scale;
    *y_zp->data<uint8_t>() = static_cast<uint8_t>(p.zero_point);
    return absl::OkStatus();
  }

 private:
  std::string label_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDynamicQuantize(KernelInfo& info) {
  if (info.num_outputs() != 3) return info.Error("expects three outputs");
  info.output_types() = {DataType::kUint8, DataType::kFloat, DataType::kUint8};
  return std::unique_ptr<Kernel>(new DynamicQuantizeKernel(NodeLabel(info.node())));
}

}  // namespace

absl::Status RegisterQuantize(KernelRegistry& registry) {
  const std::vector<DataType> quantize_inputs = {DataType::kFloat, DataType::kFloat16,
                                                 DataType::kBFloat16, DataType::kInt32};
  const std::vector<DataType> dequantize_inputs = {
      DataType::kUint8, DataType::kInt8, DataType::kUint16, DataType::kInt16, DataType::kInt32};
  RETURN_IF_ERROR(
      registry.Register({"", "QuantizeLinear", 10, 21, 0, quantize_inputs, CreateQuantize}));
  RETURN_IF_ERROR(
      registry.Register({"", "DequantizeLinear", 10, 21, 0, dequantize_inputs, CreateDequantize}));
  RETURN_IF_ERROR(registry.Register(
      {"", "DynamicQuantizeLinear", 11, 21, 0, {DataType::kFloat}, CreateDynamicQuantize}));
  return RegisterQLinearAdd(registry);
}

}  // namespace berth::engine
