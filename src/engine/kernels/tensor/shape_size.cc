// Shape (the input's dims as int64, sliced by start/end from opset 15) and Size (the element
// count as an int64 scalar). Neither reads the input's elements.
#include <algorithm>
#include <memory>
#include <optional>

#include "common/status_macros.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::OutputOfType;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::SetOutputType;

class ShapeKernel : public Kernel {
 public:
  ShapeKernel(int64_t start, std::optional<int64_t> end) : start_(start), end_(end) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, RequiredInput("Shape", ctx, 0, "data"));
    int64_t rank = data->rank();
    int64_t start = Clamp(start_, rank);
    int64_t end = Clamp(end_.value_or(rank), rank);
    int64_t n = std::max<int64_t>(0, end - start);
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, {n}, DataType::kInt64));
    int64_t* dims = out->data<int64_t>();
    for (int64_t i = 0; i < n; ++i) dims[i] = data->dim(static_cast<int>(start + i));
    return absl::OkStatus();
  }

 private:
  // A possibly negative axis bound clamped into [0, rank].
  static int64_t Clamp(int64_t axis, int64_t rank) {
    if (axis < 0) axis = axis < -rank ? 0 : axis + rank;
    return std::min(axis, rank);
  }

  int64_t start_;
  std::optional<int64_t> end_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateShape(KernelInfo& info) {
  int64_t start = 0;
  std::optional<int64_t> end;
  if (info.opset() >= 15) {
    ASSIGN_OR_RETURN(start, info.IntOr("start", 0));
    if (info.HasAttribute("end")) {
      ASSIGN_OR_RETURN(end, info.IntOr("end", 0));
    }
  }
  RETURN_IF_ERROR(SetOutputType(info, 0, DataType::kInt64));
  return std::make_unique<ShapeKernel>(start, end);
}

class SizeKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, RequiredInput("Size", ctx, 0, "data"));
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, {}, DataType::kInt64));
    out->data<int64_t>()[0] = data->num_elements();
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSize(KernelInfo& info) {
  RETURN_IF_ERROR(SetOutputType(info, 0, DataType::kInt64));
  return std::make_unique<SizeKernel>();
}

}  // namespace

absl::Status RegisterShapeSizeKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Shape", 1, AllTensorTypes(), CreateShape));
  return RegisterOp(registry, "Size", 1, AllTensorTypes(), CreateSize);
}

}  // namespace berth::engine
