// ConcatFromSequence: joins the tensors of a sequence along `axis` (new_axis = 0), or stacks
// them along a new axis inserted at `axis` (new_axis = 1).
//
// With new_axis = 0 the tensors must agree outside `axis` (in [-r, r - 1] for rank r); with
// new_axis = 1 they must have one shape, and `axis` is in [-r - 1, r]. An empty sequence has
// no element shape to build the output from and is refused.
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/sequence/sequence_kernels.h"
#include "engine/kernels/sequence/sequence_util.h"

namespace berth::engine {
namespace {

using sequence_kernels::CheckArity;
using sequence_kernels::CopyRows;
using sequence_kernels::OpError;
using sequence_kernels::RegisterSequenceOp;

constexpr char kOp[] = "ConcatFromSequence";

class ConcatFromSequenceKernel : public Kernel {
 public:
  ConcatFromSequenceKernel(int64_t axis, bool new_axis) : axis_(axis), new_axis_(new_axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const TensorSequence* in, ctx.InputSequence(0));
    if (in->empty()) return OpError(kOp, "cannot concatenate an empty sequence");
    const Tensor& first = in->at(0);
    if (first.rank() == 0 && !new_axis_) {
      return OpError(kOp, "cannot concatenate scalars (stacking them needs new_axis = 1)");
    }
    ASSIGN_OR_RETURN(int axis, NormalizedAxis(first.rank()));
    // Each tensor is viewed as [outer, length along the axis, inner].
    auto dims = absl::MakeConstSpan(first.shape());
    const int64_t outer = NumElementsOf(dims.subspan(0, axis));
    const int64_t inner = NumElementsOf(dims.subspan(new_axis_ ? axis : axis + 1));
    Shape out_shape = first.shape();
    if (new_axis_) {
      out_shape.insert(out_shape.begin() + axis, in->size());
    } else {
      out_shape[axis] = 0;
    }
    for (int64_t k = 0; k < in->size(); ++k) {
      RETURN_IF_ERROR(CheckCompatible(first, in->at(k), axis, k));
      if (!new_axis_) out_shape[axis] += in->at(k).dim(axis);
    }
    ASSIGN_OR_RETURN(Tensor * out, ctx.OutputWithType(0, first.dtype(), out_shape));
    const int64_t out_row = out_shape[axis] * inner;
    int64_t offset = 0;
    for (int64_t k = 0; k < in->size(); ++k) {
      const Tensor& element = in->at(k);
      const int64_t row = (new_axis_ ? 1 : element.dim(axis)) * inner;
      CopyRows(element, 0, row, *out, offset, out_row, outer, row);
      offset += row;
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<int> NormalizedAxis(int rank) const {
    const int64_t lowest = new_axis_ ? -rank - 1 : -rank;
    const int64_t highest = new_axis_ ? rank : rank - 1;
    if (axis_ < lowest || axis_ > highest) {
      return OpError(kOp, "axis ", axis_, " is out of range for tensors of rank ", rank,
                     new_axis_ ? " with new_axis" : "", " (accepted: ", lowest, " to ", highest,
                     ")");
    }
    return static_cast<int>(axis_ < 0 ? axis_ + highest + 1 : axis_);
  }

  absl::Status CheckCompatible(const Tensor& first, const Tensor& element, int axis,
                               int64_t k) const {
    bool same = element.rank() == first.rank();
    for (int d = 0; same && d < element.rank(); ++d) {
      same = element.dim(d) == first.dim(d) || (!new_axis_ && d == axis);
    }
    if (!same) {
      return OpError(kOp, "tensor ", k, " of shape ", ShapeToString(element.shape()),
                     " does not match tensor 0 of shape ", ShapeToString(first.shape()),
                     new_axis_ ? "" : absl::StrCat(" outside axis ", axis));
    }
    return absl::OkStatus();
  }

  int64_t axis_;
  bool new_axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateConcatFromSequence(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 1, 1));
  ASSIGN_OR_RETURN(int64_t axis, info.RequiredInt("axis"));
  ASSIGN_OR_RETURN(int64_t new_axis, info.IntOr("new_axis", 0));
  if (new_axis != 0 && new_axis != 1) {
    return info.Error(absl::StrCat("attribute 'new_axis' must be 0 or 1, got ", new_axis));
  }
  return std::make_unique<ConcatFromSequenceKernel>(axis, new_axis == 1);
}

}  // namespace

absl::Status RegisterConcatFromSequence(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, kOp, CreateConcatFromSequence, {0}, {});
}

}  // namespace berth::engine
