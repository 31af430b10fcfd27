// Transpose: output dim k is input dim perm[k]; without perm the dims are reversed. The copy
// is a strided copy, which takes its tiled path for 2-D transposes and for the common 4-D
// layout changes (NCHW <-> NHWC, swapping the last two dims), since those reduce to a batch of
// 2-D transposes once contiguous dims are merged.
#include <memory>
#include <optional>

#include "absl/strings/str_join.h"
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
using tensor_kernels::RowMajorStrides;

class TransposeKernel : public Kernel {
 public:
  explicit TransposeKernel(std::optional<Shape> perm) : perm_(std::move(perm)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Transpose", ctx, 0, "data"));
    int rank = input->rank();
    Shape perm(rank);
    if (perm_.has_value()) {
      if (static_cast<int>(perm_->size()) != rank) {
        return OpError("Transpose", "perm [", absl::StrJoin(*perm_, ","), "] has ",
                       perm_->size(), " entries but the input has rank ", rank);
      }
      perm = *perm_;
    } else {
      for (int k = 0; k < rank; ++k) perm[k] = rank - 1 - k;
    }
    Shape in_strides = RowMajorStrides(input->shape());
    Shape out_shape(rank);
    Shape strides(rank);
    for (int k = 0; k < rank; ++k) {
      out_shape[k] = input->dim(static_cast<int>(perm[k]));
      strides[k] = in_strides[perm[k]];
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, input->dtype()));
    CopyStridedToDense(*input, 0, strides, out_shape, *out, ctx.intra_op_threads());
    return absl::OkStatus();
  }

 private:
  std::optional<Shape> perm_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateTranspose(KernelInfo& info) {
  std::optional<Shape> perm;
  ASSIGN_OR_RETURN(std::vector<int64_t> p, info.IntsOr("perm", {}));
  // An empty perm means the default (reversed dims), like an absent one.
  if (!p.empty()) {
    std::vector<bool> seen(p.size(), false);
    for (int64_t axis : p) {
      if (axis < 0 || axis >= static_cast<int64_t>(p.size()) || seen[axis]) {
        return info.Error(absl::StrCat("perm [", absl::StrJoin(p, ","),
                                       "] is not a permutation"));
      }
      seen[axis] = true;
    }
    perm.emplace(p.begin(), p.end());
  }
  return std::make_unique<TransposeKernel>(std::move(perm));
}

}  // namespace

absl::Status RegisterTransposeKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "Transpose", 1, AllTensorTypes(), CreateTranspose);
}

}  // namespace berth::engine
