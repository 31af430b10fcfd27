// SequenceInsert and SequenceErase: a copy of the input sequence with one tensor added or
// removed.
//
// Positions count from the front, or from the back when negative. Insert accepts
// [-n, n] (n: at the back, the default) and Erase [-n, n - 1] (default: the last tensor).
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/sequence/sequence_kernels.h"
#include "engine/kernels/sequence/sequence_util.h"

namespace berth::engine {
namespace {

using sequence_kernels::CheckArity;
using sequence_kernels::CheckIndexInput;
using sequence_kernels::NormalizePosition;
using sequence_kernels::OpError;
using sequence_kernels::ReadPosition;
using sequence_kernels::RegisterSequenceOp;
using sequence_kernels::RequiredInput;

// Position input `i` normalized against `size`, or `fallback` when the input is missing.
absl::StatusOr<int64_t> PositionOr(absl::string_view op, const KernelContext& ctx, int i,
                                   int64_t size, bool allow_end, int64_t fallback) {
  const Tensor* position = ctx.input(i);
  if (position == nullptr) return fallback;
  ASSIGN_OR_RETURN(int64_t value, ReadPosition(op, *position));
  return NormalizePosition(op, value, size, allow_end);
}

class SequenceInsertKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const TensorSequence* in, ctx.InputSequence(0));
    ASSIGN_OR_RETURN(const Tensor* tensor, RequiredInput("SequenceInsert", ctx, 1, "tensor"));
    if (in->dtype() != DataType::kUndefined && tensor->dtype() != in->dtype()) {
      return OpError("SequenceInsert", "cannot insert a tensor of type ",
                     DataTypeName(tensor->dtype()), " into a sequence of ",
                     DataTypeName(in->dtype()), " tensors");
    }
    const int64_t n = in->size();
    ASSIGN_OR_RETURN(int64_t position,
                     PositionOr("SequenceInsert", ctx, 2, n, /*allow_end=*/true, n));
    ASSIGN_OR_RETURN(TensorSequence * out, ctx.OutputSequence(0));
    for (int64_t k = 0; k <= n; ++k) {
      if (k == position) RETURN_IF_ERROR(out->AppendCopy(*tensor));
      if (k < n) RETURN_IF_ERROR(out->AppendCopy(in->at(k)));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceInsert(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 2, 3));
  RETURN_IF_ERROR(CheckIndexInput(info, 2, "position"));
  const DataType element = info.input_type(0);  // the sequence's element type
  const DataType tensor = info.input_type(1);
  if (element != DataType::kUndefined && tensor != DataType::kUndefined && element != tensor) {
    return info.Error(absl::StrCat("cannot insert a tensor of type ", DataTypeName(tensor),
                                   " into a sequence of ", DataTypeName(element), " tensors"));
  }
  if (element == DataType::kUndefined) info.output_types()[0] = tensor;
  return std::make_unique<SequenceInsertKernel>();
}

class SequenceEraseKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const TensorSequence* in, ctx.InputSequence(0));
    const int64_t n = in->size();
    if (n == 0 && ctx.input(1) == nullptr) {
      return OpError("SequenceErase", "cannot erase from an empty sequence");
    }
    ASSIGN_OR_RETURN(int64_t position,
                     PositionOr("SequenceErase", ctx, 1, n, /*allow_end=*/false, n - 1));
    ASSIGN_OR_RETURN(TensorSequence * out, ctx.OutputSequence(0));
    if (out->dtype() == DataType::kUndefined) out->Reset(in->dtype());  // typed if emptied
    for (int64_t k = 0; k < n; ++k) {
      if (k != position) RETURN_IF_ERROR(out->AppendCopy(in->at(k)));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceErase(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 1, 2));
  RETURN_IF_ERROR(CheckIndexInput(info, 1, "position"));
  return std::make_unique<SequenceEraseKernel>();
}

}  // namespace

absl::Status RegisterSequenceInsert(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceInsert", CreateSequenceInsert, {0}, {0});
}

absl::Status RegisterSequenceErase(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceErase", CreateSequenceErase, {0}, {0});
}

}  // namespace berth::engine
