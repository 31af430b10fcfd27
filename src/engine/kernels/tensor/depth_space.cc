// DepthToSpace and SpaceToDepth on NCHW tensors. Each is a reshape to 6-D, a transpose and a
// reshape back, done as one strided copy over the transposed 6-D view.
#include <memory>
#include <string>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CopyStridedToDense;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

class DepthToSpaceKernel : public Kernel {
 public:
  DepthToSpaceKernel(int64_t block, bool crd) : block_(block), crd_(crd) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("DepthToSpace", ctx, 0, "input"));
    if (input->rank() != 4) {
      return OpError("DepthToSpace", "input must be 4-D, got ", ShapeToString(input->shape()));
    }
    int64_t n = input->dim(0), c = input->dim(1), h = input->dim(2), w = input->dim(3);
    int64_t b = block_;
    if (c % (b * b) != 0) {
      return OpError("DepthToSpace", "channels ", c, " are not a multiple of blocksize^2 ",
                     b * b);
    }
    int64_t oc = c / (b * b);
    int64_t hw = h * w;
    // View dims: [n, oc, h, b1, w, b2]; the output is that view in row-major order.
    Shape view = {n, oc, h, b, w, b};
    Shape strides = crd_ ? Shape{c * hw, b * b * hw, w, b * hw, 1, hw}
                         : Shape{c * hw, hw, w, b * oc * hw, 1, oc * hw};
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, {n, oc, h * b, w * b}, input->dtype()));
    CopyStridedToDense(*input, 0, strides, view, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }

 private:
  int64_t block_;
  bool crd_;
};

class SpaceToDepthKernel : public Kernel {
 public:
  explicit SpaceToDepthKernel(int64_t block) : block_(block) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("SpaceToDepth", ctx, 0, "input"));
    if (input->rank() != 4) {
      return OpError("SpaceToDepth", "input must be 4-D, got ", ShapeToString(input->shape()));
    }
    int64_t n = input->dim(0), c = input->dim(1), h = input->dim(2), w = input->dim(3);
    int64_t b = block_;
    if (h % b != 0 || w % b != 0) {
      return OpError("SpaceToDepth", "spatial dims ", h, "x", w,
                     " are not multiples of blocksize ", b);
    }
    int64_t oh = h / b, ow = w / b;
    // View dims: [n, b1, b2, c, oh, ow] over the input [n, c, oh, b1, ow, b2].
    Shape view = {n, b, b, c, oh, ow};
    Shape strides = {c * h * w, w, 1, h * w, b * w, b};
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, {n, c * b * b, oh, ow}, input->dtype()));
    CopyStridedToDense(*input, 0, strides, view, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }

 private:
  int64_t block_;
};

absl::StatusOr<int64_t> BlockSize(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t block, info.RequiredInt("blocksize"));
  if (block <= 0) return info.Error("blocksize must be positive");
  return block;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateDepthToSpace(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t block, BlockSize(info));
  std::string mode = "DCR";
  if (info.opset() >= 11) {
    ASSIGN_OR_RETURN(mode, info.StringOr("mode", "DCR"));
  }
  if (mode != "DCR" && mode != "CRD") return info.Error("mode must be DCR or CRD, not " + mode);
  return std::make_unique<DepthToSpaceKernel>(block, mode == "CRD");
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSpaceToDepth(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t block, BlockSize(info));
  return std::make_unique<SpaceToDepthKernel>(block);
}

}  // namespace

absl::Status RegisterDepthSpaceKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "DepthToSpace", 1, AllTensorTypes(), CreateDepthToSpace));
  return RegisterOp(registry, "SpaceToDepth", 1, AllTensorTypes(), CreateSpaceToDepth);
}

}  // namespace berth::engine
