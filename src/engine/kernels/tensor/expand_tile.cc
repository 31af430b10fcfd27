// Expand (broadcast to a shape) and Tile (repeat the whole tensor along each axis). Both are
// strided copies that read some input dims with stride 0.
#include <algorithm>
#include <memory>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::CopyStridedToDense;
using tensor_kernels::NormalizeAxis;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::RowMajorStrides;

class ExpandKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Expand", ctx, 0, "input"));
    ASSIGN_OR_RETURN(const Tensor* shape_t, RequiredInput("Expand", ctx, 1, "shape"));
    Shape target;
    RETURN_IF_ERROR(ReadIntegers("Expand", *shape_t, "shape", &target));
    int in_rank = input->rank();
    int rank = std::max(in_rank, static_cast<int>(target.size()));
    int in_lead = rank - in_rank;
    int target_lead = rank - static_cast<int>(target.size());
    Shape in_strides = RowMajorStrides(input->shape());
    Shape out_shape(rank);
    Shape strides(rank, 0);
    for (int k = 0; k < rank; ++k) {
      int64_t in_dim = k >= in_lead ? input->dim(k - in_lead) : 1;
      int64_t want = k >= target_lead ? target[k - target_lead] : 1;
      if (want < 0) return OpError("Expand", "negative dimension ", want, " in shape");
      if (in_dim != want && in_dim != 1 && want != 1) {
        return OpError("Expand", "input shape ", ShapeToString(input->shape()),
                       " cannot be broadcast to [", absl::StrJoin(target, ","), "]");
      }
      out_shape[k] = in_dim == 1 ? want : in_dim;
      if (k >= in_lead && in_dim != 1) strides[k] = in_strides[k - in_lead];
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, input->dtype()));
    CopyStridedToDense(*input, 0, strides, out_shape, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateExpand(KernelInfo& info) {
  RETURN_IF_ERROR(CheckInputType(info, 1, "shape", {DataType::kInt64}));
  return std::make_unique<ExpandKernel>();
}

class TileKernel : public Kernel {
 public:
  // `legacy`: Tile-1, whose inputs are a scalar count `tiles` and a scalar `axis`.
  explicit TileKernel(bool legacy) : legacy_(legacy) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Tile", ctx, 0, "input"));
    int rank = input->rank();
    Shape repeats;
    RETURN_IF_ERROR(legacy_ ? LegacyRepeats(ctx, rank, &repeats) : Repeats(ctx, rank, &repeats));
    // The output, seen as [r0, d0, r1, d1, ...] in row-major order, reads the input with
    // stride 0 on every repeat dim.
    Shape in_strides = RowMajorStrides(input->shape());
    Shape out_shape(rank);
    Shape view(2 * rank);
    Shape strides(2 * rank, 0);
    for (int k = 0; k < rank; ++k) {
      if (repeats[k] < 0) return OpError("Tile", "negative repeat ", repeats[k]);
      view[2 * k] = repeats[k];
      view[2 * k + 1] = input->dim(k);
      strides[2 * k + 1] = in_strides[k];
      if (__builtin_mul_overflow(repeats[k], input->dim(k), &out_shape[k])) {
        return OpError("Tile", "output dimension overflows");
      }
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, input->dtype()));
    CopyStridedToDense(*input, 0, strides, view, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }

 private:
  static absl::Status Repeats(const KernelContext& ctx, int rank, Shape* repeats) {
    ASSIGN_OR_RETURN(const Tensor* r, RequiredInput("Tile", ctx, 1, "repeats"));
    RETURN_IF_ERROR(ReadIntegers("Tile", *r, "repeats", repeats));
    if (static_cast<int>(repeats->size()) != rank) {
      return OpError("Tile", "repeats has ", repeats->size(), " values for an input of rank ",
                     rank);
    }
    return absl::OkStatus();
  }

  static absl::Status LegacyRepeats(const KernelContext& ctx, int rank, Shape* repeats) {
    ASSIGN_OR_RETURN(const Tensor* tiles_t, RequiredInput("Tile", ctx, 1, "tiles"));
    ASSIGN_OR_RETURN(const Tensor* axis_t, RequiredInput("Tile", ctx, 2, "axis"));
    Shape tiles;
    Shape axis;
    RETURN_IF_ERROR(ReadIntegers("Tile", *tiles_t, "tiles", &tiles, /*allow_float=*/true));
    RETURN_IF_ERROR(ReadIntegers("Tile", *axis_t, "axis", &axis, /*allow_float=*/true));
    if (tiles.size() != 1 || axis.size() != 1) {
      return OpError("Tile", "tiles and axis must hold one value each");
    }
    ASSIGN_OR_RETURN(int a, NormalizeAxis("Tile", axis[0], rank));
    repeats->assign(rank, 1);
    (*repeats)[a] = tiles[0];
    return absl::OkStatus();
  }

  bool legacy_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateTile(KernelInfo& info) {
  if (info.opset() >= 6) RETURN_IF_ERROR(CheckInputType(info, 1, "repeats", {DataType::kInt64}));
  return std::make_unique<TileKernel>(info.opset() < 6);
}

}  // namespace

absl::Status RegisterExpandTileKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Expand", 8, AllTensorTypes(), CreateExpand));
  return RegisterOp(registry, "Tile", 1, AllTensorTypes(), CreateTile);
}

}  // namespace berth::engine
