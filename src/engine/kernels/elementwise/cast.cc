// Cast (opsets 1-21) and CastLike (15-21) between all numeric types, bool and string.
// float8, 4-bit and complex targets are refused by name; `saturate` only concerns float8.
// Conversion rules are those of cast_convert.h.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/cast_convert.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/type_list.h"

namespace berth::engine {
namespace {

// TensorProto.DataType values berth has no element type for.
const char* UnsupportedTypeName(int64_t value) {
  switch (value) {
    case 14: return "complex64";
    case 15: return "complex128";
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    case 23: return "float4e2m1";
    case 24: return "float8e8m0";
    case 25: return "uint2";
    case 26: return "int2";
    default: return nullptr;
  }
}

absl::StatusOr<DataType> TypeFromValue(const KernelInfo& info, int64_t value) {
  if (const char* name = UnsupportedTypeName(value)) {
    return absl::UnimplementedError(
        absl::StrCat(NodeLabel(info), ": casting to ", name, " is not supported"));
  }
  if (value > INT32_MAX || value < 0 || !IsKnownDataType(static_cast<int32_t>(value))) {
    return info.Error(absl::StrCat("attribute 'to' is not a known type: ", value));
  }
  return static_cast<DataType>(value);
}

// Cast-1 spells the target as a string ("FLOAT"); later opsets use the enum value.
absl::StatusOr<DataType> ReadCastTarget(const KernelInfo& info) {
  const Attribute* to = info.node().FindAttribute("to");
  if (to == nullptr) return info.Error("missing attribute 'to'");
  if (to->type == Attribute::Type::kString) {
    for (int32_t v = 1; v <= 16; ++v) {
      if (IsKnownDataType(v) && absl::EqualsIgnoreCase(to->s, DataTypeName(DataType(v)))) {
        return DataType(v);
      }
    }
    return info.Error("attribute 'to' names no supported type: " + to->s);
  }
  ASSIGN_OR_RETURN(int64_t value, info.IntOr("to", 0));
  return TypeFromValue(info, value);
}

class CastKernel final : public Kernel {
 public:
  CastKernel(std::string label, DataType from, DataType to, bool truncate_bfloat16)
      : label_(std::move(label)),
        from_(from),
        to_(to),
        truncate_bfloat16_(truncate_bfloat16 && to == DataType::kBFloat16 &&
                           from != DataType::kBFloat16 && from != DataType::kString) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 0, from_));
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, x->shape()));
    const int64_t n = x->num_elements();
    if (from_ == DataType::kString && to_ == DataType::kString) {
      y->strings() = x->strings();
      return absl::OkStatus();
    }
    if (from_ == DataType::kString) {
      return StringsToNumbers(label_, x->strings().data(), to_, y->raw_data(), n);
    }
    if (to_ == DataType::kString) {
      if (!NumbersToStrings(from_, x->raw_data(), y->strings().data(), n)) {
        return LabeledError(label_, "cannot print " + DataTypeName(from_));
      }
      return absl::OkStatus();
    }
    if (truncate_bfloat16_) return TruncateToBFloat16(ctx, *x, y->data<BFloat16>());
    if (!ConvertNumeric(from_, x->raw_data(), to_, y->raw_data(), n)) {
      return LabeledError(label_, absl::StrCat("cannot convert ", DataTypeName(from_), " to ",
                                               DataTypeName(to_)));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status TruncateToBFloat16(KernelContext& ctx, const Tensor& x, BFloat16* out) const {
    const int64_t n = x.num_elements();
    const float* values = x.data<float>();
    if (from_ != DataType::kFloat) {
      float* converted = static_cast<float*>(ctx.Scratch(n * sizeof(float)));
      if (converted == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch");
      if (!ConvertNumeric(from_, x.raw_data(), DataType::kFloat, converted, n)) {
        return LabeledError(label_, "cannot convert " + DataTypeName(from_));
      }
      values = converted;
    }
    FloatToBFloat16Truncating(values, out, n);
    return absl::OkStatus();
  }

  std::string label_;
  DataType from_;
  DataType to_;
  bool truncate_bfloat16_;
};

absl::StatusOr<std::unique_ptr<Kernel>> MakeKernel(KernelInfo& info, DataType to) {
  if (info.num_outputs() < 1) return info.Error("the node has no output");
  // Only float8 targets saturate; read it anyway so a malformed attribute is reported.
  ASSIGN_OR_RETURN(int64_t saturate, info.IntOr("saturate", 1));
  (void)saturate;
  info.output_types()[0] = to;
  // Before opset 19 ONNX converted to bfloat16 by truncation (its reference and test data did);
  // Cast-19 and later round to nearest even.
  const bool truncate_bfloat16 = info.opset() < 19;
  return std::make_unique<CastKernel>(NodeLabel(info), info.input_type(0), to,
                                      truncate_bfloat16);
}

absl::StatusOr<std::unique_ptr<Kernel>> MakeCast(KernelInfo& info) {
  ASSIGN_OR_RETURN(DataType to, ReadCastTarget(info));
  return MakeKernel(info, to);
}

absl::StatusOr<std::unique_ptr<Kernel>> MakeCastLike(KernelInfo& info) {
  if (!info.has_input(1)) return info.Error("input 1 (target_type) is missing");
  DataType to = info.input_type(1);
  if (!IsKnownDataType(static_cast<int32_t>(to))) {
    return info.Error("input 1 has no supported type: " + DataTypeName(to));
  }
  return MakeKernel(info, to);
}

}  // namespace

absl::Status RegisterCast(KernelRegistry& r) {
  KernelDef cast;
  cast.op_type = "Cast";
  cast.since_version = 1;
  cast.types = DataTypesOf(AllTypes{});
  cast.factory = MakeCast;
  RETURN_IF_ERROR(r.Register(std::move(cast)));
  KernelDef cast_like;
  cast_like.op_type = "CastLike";
  cast_like.since_version = 15;
  cast_like.types = DataTypesOf(AllTypes{});
  cast_like.factory = MakeCastLike;
  return r.Register(std::move(cast_like));
}

}  // namespace berth::engine
