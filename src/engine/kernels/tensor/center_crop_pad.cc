// CenterCropPad: a constant zero pad whose amounts (negative: crops) keep the data centred.
#include <memory>
#include <optional>

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

class CenterCropPadKernel : public Kernel {
 public:
  CenterCropPadKernel(std::optional<Shape> axes, DataType type)
      : axes_(std::move(axes)), zero_(type, {}) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, RequiredInput("CenterCropPad", ctx, 0, "input_data"));
    ASSIGN_OR_RETURN(const Tensor* shape_t, RequiredInput("CenterCropPad", ctx, 1, "shape"));
    if (data->dtype() != zero_.dtype()) {
      return OpError("CenterCropPad", "data type differs from the load-time type");
    }
    int rank = data->rank();
    Shape target;
    RETURN_IF_ERROR(ReadIntegers("CenterCropPad", *shape_t, "shape", &target));
    Shape axes;
    if (axes_.has_value()) {
      axes = *axes_;
    } else {
      for (int k = 0; k < rank; ++k) axes.push_back(k);
    }
    RETURN_IF_ERROR(NormalizeAxes("CenterCropPad", rank, &axes));
    if (target.size() != axes.size()) {
      return OpError("CenterCropPad", "shape has ", target.size(), " values for ", axes.size(),
                     " axes");
    }
    Shape before(rank, 0), after(rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      if (target[i] < 0) return OpError("CenterCropPad", "negative target size ", target[i]);
      int64_t diff = target[i] - data->dim(static_cast<int>(axes[i]));
      // Pads put the odd element at the end; crops start at the rounded-down offset.
      int64_t half = (diff >= 0 ? diff : -diff) / 2;
      before[axes[i]] = diff >= 0 ? half : -half;
      after[axes[i]] = diff - before[axes[i]];
    }
    return PadInto("CenterCropPad", *data, before, after, PadMode::kConstant, zero_, ctx);
  }

 private:
  std::optional<Shape> axes_;
  Tensor zero_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateCenterCropPad(KernelInfo& info) {
  DataType type = info.input_type(0);
  if (type == DataType::kUndefined) return info.Error("the type of input 'input_data' is unknown");
  RETURN_IF_ERROR(CheckInputType(info, 1, "shape", {DataType::kInt32, DataType::kInt64}));
  std::optional<Shape> axes;
  if (info.HasAttribute("axes")) {
    ASSIGN_OR_RETURN(std::vector<int64_t> a, info.IntsOr("axes", {}));
    axes = Shape(a.begin(), a.end());
  }
  return std::make_unique<CenterCropPadKernel>(std::move(axes), type);
}

}  // namespace

absl::Status RegisterCenterCropPadKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "CenterCropPad", 18, AllTensorTypes(), CreateCenterCropPad);
}

}  // namespace berth::engine
