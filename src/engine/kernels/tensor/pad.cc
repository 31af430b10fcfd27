// Pad: constant, reflect, edge and (from opset 19) wrap modes; negative pads crop. Pads and
// the constant are attributes before opset 11 and inputs from 11 on, with optional axes from 18.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/pad_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::NormalizeAxes;
using tensor_kernels::OpError;
using tensor_kernels::PadInto;
using tensor_kernels::PadMode;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

// A one-element tensor of `type` holding `v` (zero bits or "" when v is 0).
Tensor ScalarOf(DataType type, float v) {
  Tensor t(type, {});
  VisitNumericType(type, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      t.data<bool>()[0] = v != 0;
    } else {
      t.data<T>()[0] = static_cast<T>(v);
    }
  });
  return t;
}

class PadKernel : public Kernel {
 public:
  // `attr_pads` holds the pads for opsets < 11; `default_value` the attribute value (or zero).
  PadKernel(PadMode mode, std::optional<Shape> attr_pads, Tensor default_value)
      : mode_(mode), attr_pads_(std::move(attr_pads)), default_value_(std::move(default_value)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, RequiredInput("Pad", ctx, 0, "data"));
    if (data->dtype() != default_value_.dtype()) {
      return OpError("Pad", "data type ", DataTypeName(data->dtype()),
                     " differs from the load-time type");
    }
    int rank = data->rank();
    Shape pads;
    if (attr_pads_.has_value()) {
      pads = *attr_pads_;
    } else {
      ASSIGN_OR_RETURN(const Tensor* pads_t, RequiredInput("Pad", ctx, 1, "pads"));
      RETURN_IF_ERROR(ReadIntegers("Pad", *pads_t, "pads", &pads));
    }
    Shape axes;
    if (const Tensor* axes_t = ctx.input(3)) {
      RETURN_IF_ERROR(ReadIntegers("Pad", *axes_t, "axes", &axes));
      RETURN_IF_ERROR(NormalizeAxes("Pad", rank, &axes));
    } else {
      for (int k = 0; k < rank; ++k) axes.push_back(k);
    }
    size_t n = axes.size();
    if (pads.size() != 2 * n) {
      return OpError("Pad", "pads has ", pads.size(), " values, expected ", 2 * n);
    }
    Shape before(rank, 0), after(rank, 0);
    for (size_t i = 0; i < n; ++i) {
      before[axes[i]] = pads[i];
      after[axes[i]] = pads[n + i];
    }
    const Tensor* value = &default_value_;
    if (const Tensor* v = ctx.input(2); v != nullptr && v->num_elements() > 0) {
      if (v->dtype() != data->dtype() || v->num_elements() != 1) {
        return OpError("Pad", "constant_value must be one element of the data's type");
      }
      value = v;
    }
    return PadInto("Pad", *data, before, after, mode_, *value, ctx);
  }

 private:
  PadMode mode_;
  std::optional<Shape> attr_pads_;
  Tensor default_value_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreatePad(KernelInfo& info) {
  DataType type = info.input_type(0);
  if (type == DataType::kUndefined) return info.Error("the type of input 'data' is unknown");
  ASSIGN_OR_RETURN(std::string mode_name, info.StringOr("mode", "constant"));
  PadMode mode;
  if (mode_name == "constant") {
    mode = PadMode::kConstant;
  } else if (mode_name == "reflect") {
    mode = PadMode::kReflect;
  } else if (mode_name == "edge") {
    mode = PadMode::kEdge;
  } else if (mode_name == "wrap" && info.opset() >= 19) {
    mode = PadMode::kWrap;
  } else {
    return info.Error("unsupported mode '" + mode_name + "'");
  }
  std::optional<Shape> attr_pads;
  float value = 0;
  if (info.opset() < 11) {
    ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                     info.RequiredInts(info.opset() == 1 ? "paddings" : "pads"));
    attr_pads = Shape(pads.begin(), pads.end());
    ASSIGN_OR_RETURN(value, info.FloatOr("value", 0.0f));
  } else {
    RETURN_IF_ERROR(CheckInputType(info, 1, "pads", {DataType::kInt64}));
    RETURN_IF_ERROR(CheckInputType(info, 3, "axes", {DataType::kInt32, DataType::kInt64}));
  }
  return std::make_unique<PadKernel>(mode, std::move(attr_pads), ScalarOf(type, value));
}

}  // namespace

absl::Status RegisterPadKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "Pad", 1, AllTensorTypes(), CreatePad);
}

}  // namespace berth::engine
