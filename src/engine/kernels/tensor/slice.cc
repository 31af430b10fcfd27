// Slice: numpy-style start:end:step on chosen axes, done as one strided copy. Opsets 1-9 take
// starts, ends and axes as attributes (step 1); from 10 they are inputs, with optional axes
// and steps (negative steps walk backwards).
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::CopyStridedToDense;
using tensor_kernels::NormalizeAxes;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::RowMajorStrides;

struct SliceArgs {
  Shape starts;
  Shape ends;
  Shape axes;   // empty when not given
  Shape steps;  // empty when not given
  bool has_axes = false;
};

// Clamps start and end into the dim as the ONNX spec does and returns the number of elements.
int64_t ClampRange(int64_t dim, int64_t step, int64_t* start, int64_t* end) {
  if (dim == 0) return 0;
  if (*start < 0) *start += dim;
  if (*end < 0) *end += dim;
  if (step > 0) {
    *start = std::clamp<int64_t>(*start, 0, dim);
    *end = std::clamp<int64_t>(*end, 0, dim);
    return *end > *start ? (*end - *start - 1) / step + 1 : 0;
  }
  *start = std::clamp<int64_t>(*start, 0, dim - 1);
  *end = std::clamp<int64_t>(*end, -1, dim - 1);
  int64_t magnitude = step == std::numeric_limits<int64_t>::min()
                          ? std::numeric_limits<int64_t>::max()
                          : -step;
  return *start > *end ? (*start - *end - 1) / magnitude + 1 : 0;
}

class SliceKernel : public Kernel {
 public:
  // `attrs` holds starts/ends/axes for opsets < 10.
  explicit SliceKernel(std::optional<SliceArgs> attrs) : attrs_(std::move(attrs)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Slice", ctx, 0, "data"));
    SliceArgs args;
    if (attrs_.has_value()) {
      args = *attrs_;
    } else {
      RETURN_IF_ERROR(ReadArgs(ctx, &args));
    }
    int rank = input->rank();
    size_t n = args.starts.size();
    if (args.ends.size() != n || (args.has_axes && args.axes.size() != n) ||
        (!args.steps.empty() && args.steps.size() != n)) {
      return OpError("Slice", "starts, ends, axes and steps must have the same length");
    }
    if (!args.has_axes) {
      if (n > static_cast<size_t>(rank)) {
        return OpError("Slice", n, " starts given for an input of rank ", rank);
      }
      for (size_t i = 0; i < n; ++i) args.axes.push_back(static_cast<int64_t>(i));
    }
    RETURN_IF_ERROR(NormalizeAxes("Slice", rank, &args.axes));
    Shape in_strides = RowMajorStrides(input->shape());
    Shape out_shape = input->shape();
    Shape strides = in_strides;
    int64_t offset = 0;
    for (size_t i = 0; i < n; ++i) {
      int axis = static_cast<int>(args.axes[i]);
      int64_t step = args.steps.empty() ? 1 : args.steps[i];
      if (step == 0) return OpError("Slice", "step on axis ", axis, " is 0");
      int64_t start = args.starts[i];
      int64_t end = args.ends[i];
      out_shape[axis] = ClampRange(input->dim(axis), step, &start, &end);
      if (out_shape[axis] > 0) offset += start * in_strides[axis];
      // Only a dim of 2+ elements walks the stride, and then |step| < dim cannot overflow.
      strides[axis] = out_shape[axis] > 1 ? in_strides[axis] * step : 0;
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, input->dtype()));
    CopyStridedToDense(*input, offset, strides, out_shape, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }

 private:
  static absl::Status ReadArgs(const KernelContext& ctx, SliceArgs* args) {
    ASSIGN_OR_RETURN(const Tensor* starts, RequiredInput("Slice", ctx, 1, "starts"));
    ASSIGN_OR_RETURN(const Tensor* ends, RequiredInput("Slice", ctx, 2, "ends"));
    RETURN_IF_ERROR(ReadIntegers("Slice", *starts, "starts", &args->starts));
    RETURN_IF_ERROR(ReadIntegers("Slice", *ends, "ends", &args->ends));
    if (const Tensor* axes = ctx.input(3)) {
      RETURN_IF_ERROR(ReadIntegers("Slice", *axes, "axes", &args->axes));
      args->has_axes = true;
    }
    if (const Tensor* steps = ctx.input(4)) {
      RETURN_IF_ERROR(ReadIntegers("Slice", *steps, "steps", &args->steps));
    }
    return absl::OkStatus();
  }

  std::optional<SliceArgs> attrs_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSlice(KernelInfo& info) {
  if (info.opset() >= 10) {
    const std::vector<DataType> index_types = {DataType::kInt32, DataType::kInt64};
    for (int i = 1; i <= 4; ++i) {
      static constexpr const char* kNames[] = {"", "starts", "ends", "axes", "steps"};
      RETURN_IF_ERROR(CheckInputType(info, i, kNames[i], index_types));
    }
    return std::make_unique<SliceKernel>(std::nullopt);
  }
  SliceArgs args;
  ASSIGN_OR_RETURN(std::vector<int64_t> starts, info.RequiredInts("starts"));
  ASSIGN_OR_RETURN(std::vector<int64_t> ends, info.RequiredInts("ends"));
  args.starts.assign(starts.begin(), starts.end());
  args.ends.assign(ends.begin(), ends.end());
  if (info.HasAttribute("axes")) {
    ASSIGN_OR_RETURN(std::vector<int64_t> axes, info.IntsOr("axes", {}));
    args.axes.assign(axes.begin(), axes.end());
    args.has_axes = true;
  }
  return std::make_unique<SliceKernel>(std::move(args));
}

}  // namespace

absl::Status RegisterSliceKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "Slice", 1, AllTensorTypes(), CreateSlice);
}

}  // namespace berth::engine
