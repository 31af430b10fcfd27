#include "engine/kernels/math/qlinear_add.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

bool IsByteType(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

// One operand's quantization: real value = scale * (q - zero_point).
struct Operand {
  float scale = 1.f;
  float zero_point = 0.f;
};

absl::StatusOr<Operand> ReadOperand(const std::string& label, KernelContext& ctx, int scale_in,
                                    int zp_in, DataType type) {
  const Tensor* scale = ctx.input(scale_in);
  if (scale == nullptr || scale->dtype() != DataType::kFloat || scale->num_elements() != 1) {
    return NodeError(label, absl::StrCat("input ", scale_in, " must be one float scale"));
  }
  Operand op;
  op.scale = scale->data<float>()[0];
  const Tensor* zp = zp_in < ctx.num_inputs() ? ctx.input(zp_in) : nullptr;
  if (zp != nullptr) {
    if (zp->dtype() != type || zp->num_elements() != 1) {
      return NodeError(
          label, absl::StrCat("input ", zp_in, " must be one ", DataTypeName(type), " zero point"));
    }
    op.zero_point = type == DataType::kInt8 ? zp->data<int8_t>()[0] : zp->data<uint8_t>()[0];
  }
  return op;
}

// C units: c = a * ka + b * kb + c0 with ka = A_scale / C_scale, kb = B_scale / C_scale,
// c0 = -A_zp * ka - B_zp * kb, then Relu (c >= 0 exactly when the real sum is), rounding and
// C_zp. Two multiply-adds per element where DequantizeLinear, Add and QuantizeLinear divide:
// a rounding tie can go the other way (one step). Rounding is to nearest even by adding and
// subtracting 1.5 * 2^23 (exact for the clamped range), which vectorizes.
template <typename TA, typename TB, typename TC>
void AddLoop(const TA* a, const TB* b, TC* c, int64_t n, Operand qa, Operand qb, Operand qc,
             bool relu) {
  constexpr float kLo = std::is_same_v<TC, int8_t> ? -128.f : 0.f;
  constexpr float kHi = std::is_same_v<TC, int8_t> ? 127.f : 255.f;
  const float ka = qa.scale / qc.scale, kb = qb.scale / qc.scale;
  const float c0 = -qa.zero_point * ka - qb.zero_point * kb;
  const float lo = relu ? std::max(kLo - qc.zero_point, 0.f) : kLo - qc.zero_point;
  const float hi = kHi - qc.zero_point;
  constexpr float kMagic = 12582912.f;
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t end = std::min(n, (blk + 1) * kBlock);
    for (int64_t i = blk * kBlock; i < end; ++i) {
      float v = static_cast<float>(a[i]) * ka + (static_cast<float>(b[i]) * kb + c0);
      v = std::min(std::max(v, lo), hi);
      v = (v + kMagic) - kMagic;
      c[i] = static_cast<TC>(static_cast<int32_t>(v + qc.zero_point));
    }
  }
}

template <typename Fn>
void VisitByte(DataType t, Fn&& fn) {
  if (t == DataType::kInt8) {
    fn(int8_t{});
  } else {
    fn(uint8_t{});
  }
}

class QLinearAddKernel : public Kernel {
 public:
  QLinearAddKernel(std::string label, bool relu, DataType c_type)
      : label_(std::move(label)), relu_(relu), c_type_(c_type) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.num_inputs() > 3 ? ctx.input(3) : nullptr;
    if (a == nullptr || b == nullptr) return NodeError(label_, "inputs A and B are required");
    if (!IsByteType(a->dtype()) || !IsByteType(b->dtype())) {
      return NodeError(label_, "A and B must be uint8 or int8");
    }
    if (a->shape() != b->shape()) {
      return NodeError(label_,
                       absl::StrCat("A ", ShapeToString(a->shape()), " and B ",
                                    ShapeToString(b->shape()), " must have the same shape"));
    }
    ASSIGN_OR_RETURN(Operand qa, ReadOperand(label_, ctx, 1, 2, a->dtype()));
    ASSIGN_OR_RETURN(Operand qb, ReadOperand(label_, ctx, 4, 5, b->dtype()));
    ASSIGN_OR_RETURN(Operand qc, ReadOperand(label_, ctx, 6, 7, c_type_));
    if (!(qc.scale > 0.f)) return NodeError(label_, "C_scale must be positive");
    ASSIGN_OR_RETURN(Tensor * c, ctx.OutputWithType(0, c_type_, a->shape()));
    VisitByte(a->dtype(), [&](auto ta) {
      VisitByte(b->dtype(), [&](auto tb) {
        VisitByte(c_type_, [&](auto tc) {
          using TA = decltype(ta);
          using TB = decltype(tb);
          using TC = decltype(tc);
          AddLoop(a->data<TA>(), b->data<TB>(), c->data<TC>(), a->num_elements(), qa, qb, qc,
                  relu_);
        });
      });
    });
    return absl::OkStatus();
  }

 private:
  std::string label_;
  bool relu_;
  DataType c_type_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateQLinearAdd(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string activation, info.StringOr("activation", ""));
  if (!activation.empty() && activation != "Relu") {
    return info.Error(
        absl::StrCat("activation must be \"\" or \"Relu\", got \"", activation, "\""));
  }
  if (info.num_inputs() < 7) return info.Error("needs at least 7 inputs (A, B and C_scale)");
  DataType c_type = DataType::kUint8;
  if (info.has_input(7)) c_type = info.input_type(7);
  if (!IsByteType(c_type)) return info.Error("C_zero_point must be uint8 or int8");
  if (!info.output_types().empty()) info.output_types()[0] = c_type;
  return std::make_unique<QLinearAddKernel>(NodeLabel(info.node()), activation == "Relu", c_type);
}

}  // namespace

absl::Status RegisterQLinearAdd(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "berth",
                                     .op_type = "QLinearAdd",
                                     .since_version = 1,
                                     .end_version = 1,
                                     .type_input = 0,
                                     .types = {DataType::kInt8, DataType::kUint8},
                                     .factory = CreateQLinearAdd});
}

}  // namespace berth::engine
