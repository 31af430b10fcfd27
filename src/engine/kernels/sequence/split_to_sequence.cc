// SplitToSequence: cuts a tensor along `axis` into a sequence of consecutive parts.
//
// The optional `split` input gives the part lengths: a 1-D tensor lists them (they must add
// up to the axis length); a scalar s cuts parts of s, the last one shorter when s does not
// divide the axis length. Without `split` every part has length 1, and keepdims = 0 removes
// the axis from the parts (keepdims is ignored when `split` is given). A split into more than
// kMaxParts parts (possible with empty tensors: shape [10^12, 0]) is refused.
#include <memory>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/sequence/sequence_kernels.h"
#include "engine/kernels/sequence/sequence_util.h"

namespace berth::engine {
namespace {

using sequence_kernels::CheckArity;
using sequence_kernels::CheckIndexInput;
using sequence_kernels::CopyRows;
using sequence_kernels::OpError;
using sequence_kernels::RegisterSequenceOp;

constexpr char kOp[] = "SplitToSequence";
constexpr int64_t kMaxParts = int64_t{1} << 24;

// The values of an int32 or int64 tensor.
absl::StatusOr<Shape> ReadSplit(const Tensor& split) {
  Shape values;
  if (split.dtype() == DataType::kInt32) {
    for (int32_t v : split.span<int32_t>()) values.push_back(v);
  } else if (split.dtype() == DataType::kInt64) {
    for (int64_t v : split.span<int64_t>()) values.push_back(v);
  } else {
    return OpError(kOp, "input 'split' must be int32 or int64, not ",
                   DataTypeName(split.dtype()));
  }
  return values;
}

absl::Status CheckPartCount(int64_t count) {
  if (count <= kMaxParts) return absl::OkStatus();
  return OpError(kOp, "the split would make ", count, " tensors, over the limit of ", kMaxParts);
}

// Part lengths for an axis of `length` cut by `split` (null: parts of length 1).
absl::StatusOr<Shape> PartLengths(const Tensor* split, int64_t length) {
  if (split == nullptr) {
    RETURN_IF_ERROR(CheckPartCount(length));
    return Shape(static_cast<size_t>(length), 1);
  }
  if (split->rank() > 1) {
    return OpError(kOp, "input 'split' must be a scalar or 1-D, not of shape ",
                   ShapeToString(split->shape()));
  }
  ASSIGN_OR_RETURN(Shape values, ReadSplit(*split));
  if (split->rank() == 0) {
    const int64_t part = values[0];
    if (part <= 0) return OpError(kOp, "scalar 'split' must be positive, got ", part);
    RETURN_IF_ERROR(CheckPartCount(length / part + 1));
    Shape lengths(static_cast<size_t>(length / part), part);
    if (length % part != 0) lengths.push_back(length % part);
    return lengths;
  }
  int64_t total = 0;
  for (int64_t v : values) {
    if (v < 0) return OpError(kOp, "'split' has a negative length ", v);
    total += v;
  }
  if (total != length) {
    return OpError(kOp, "'split' lengths [", absl::StrJoin(values, ","), "] add up to ", total,
                   ", not to the axis length ", length);
  }
  return values;
}

class SplitToSequenceKernel : public Kernel {
 public:
  SplitToSequenceKernel(int64_t axis, bool keepdims) : axis_(axis), keepdims_(keepdims) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* input = ctx.input(0);
    if (input == nullptr) return OpError(kOp, "missing required input 'input'");
    const int rank = input->rank();
    if (axis_ < -rank || axis_ >= rank) {
      return OpError(kOp, "axis ", axis_, " is out of range for an input of rank ", rank);
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const Tensor* split = ctx.input(1);
    const int64_t length = input->dim(axis);
    ASSIGN_OR_RETURN(Shape parts, PartLengths(split, length));
    auto dims = absl::MakeConstSpan(input->shape());
    const int64_t outer = NumElementsOf(dims.subspan(0, axis));
    const int64_t inner = NumElementsOf(dims.subspan(axis + 1));
    const bool squeeze = split == nullptr && !keepdims_;
    ASSIGN_OR_RETURN(TensorSequence * out, ctx.OutputSequence(0));
    Shape part_shape = input->shape();
    if (squeeze) part_shape.erase(part_shape.begin() + axis);
    int64_t start = 0;
    for (int64_t part : parts) {
      if (!squeeze) part_shape[axis] = part;
      ASSIGN_OR_RETURN(Tensor * piece, out->Append(input->dtype(), part_shape));
      CopyRows(*input, start * inner, length * inner, *piece, 0, part * inner, outer,
               part * inner);
      start += part;
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;
  bool keepdims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSplitToSequence(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 1, 2));
  RETURN_IF_ERROR(CheckIndexInput(info, 1, "split"));
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
  ASSIGN_OR_RETURN(int64_t keepdims, info.IntOr("keepdims", 1));
  if (keepdims != 0 && keepdims != 1) {
    return info.Error(absl::StrCat("attribute 'keepdims' must be 0 or 1, got ", keepdims));
  }
  return std::make_unique<SplitToSequenceKernel>(axis, keepdims == 1);
}

}  // namespace

absl::Status RegisterSplitToSequence(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, kOp, CreateSplitToSequence, {}, {0});
}

}  // namespace berth::engine
