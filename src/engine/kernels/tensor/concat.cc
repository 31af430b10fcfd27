// Concat: joins its inputs along one axis. Each input lands in the output as a block of
// `outer` rows, copied with one strided copy.
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CopyStrided;
using tensor_kernels::NormalizeAxis;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

class ConcatKernel : public Kernel {
 public:
  explicit ConcatKernel(int64_t axis) : axis_(axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    if (ctx.num_inputs() == 0) return OpError("Concat", "needs at least one input");
    ASSIGN_OR_RETURN(const Tensor* first, RequiredInput("Concat", ctx, 0, "inputs[0]"));
    int rank = first->rank();
    if (rank == 0) return OpError("Concat", "cannot concatenate scalars");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis("Concat", axis_, rank));
    Shape out_shape = first->shape();
    out_shape[axis] = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* in, RequiredInput("Concat", ctx, i, "inputs"));
      RETURN_IF_ERROR(CheckCompatible(*first, *in, axis, i));
      out_shape[axis] += in->dim(axis);
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, first->dtype()));
    auto dims = absl::MakeConstSpan(out_shape);
    int64_t outer = NumElementsOf(dims.subspan(0, axis));
    int64_t inner = NumElementsOf(dims.subspan(axis + 1));
    int64_t out_row = out_shape[axis] * inner;
    int64_t offset = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& in = *ctx.input(i);
      int64_t row = in.dim(axis) * inner;
      int64_t src_strides[] = {row, 1};
      int64_t dst_strides[] = {out_row, 1};
      int64_t shape[] = {outer, row};
      CopyStrided(in, 0, src_strides, *out, offset, dst_strides, shape, ctx.intra_op_threads());
      offset += row;
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status CheckCompatible(const Tensor& first, const Tensor& in, int axis, int i) {
    if (in.dtype() != first.dtype()) {
      return OpError("Concat", "input ", i, " has type ", DataTypeName(in.dtype()),
                     " but input 0 has ", DataTypeName(first.dtype()));
    }
    bool same = in.rank() == first.rank();
    for (int k = 0; same && k < in.rank(); ++k) same = k == axis || in.dim(k) == first.dim(k);
    if (!same) {
      return OpError("Concat", "input ", i, " of shape ", ShapeToString(in.shape()),
                     " does not match input 0 of shape ", ShapeToString(first.shape()),
                     " outside axis ", axis);
    }
    return absl::OkStatus();
  }

  int64_t axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateConcat(KernelInfo& info) {
  // Concat-1 made the axis optional (default 1); from opset 4 it is required.
  int64_t axis = 1;
  if (info.opset() >= 4) {
    ASSIGN_OR_RETURN(axis, info.RequiredInt("axis"));
  } else {
    ASSIGN_OR_RETURN(axis, info.IntOr("axis", 1));
  }
  return std::make_unique<ConcatKernel>(axis);
}

}  // namespace

absl::Status RegisterConcatKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "Concat", 1, AllTensorTypes(), CreateConcat);
}

}  // namespace berth::engine
