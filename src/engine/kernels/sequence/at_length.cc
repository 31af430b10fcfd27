// SequenceAt (a copy of the tensor at a position, negative counting from the back) and
// SequenceLength (the number of tensors, as an int64 scalar).
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/sequence/sequence_kernels.h"
#include "engine/kernels/sequence/sequence_util.h"

namespace berth::engine {
namespace {

using sequence_kernels::CheckArity;
using sequence_kernels::CheckIndexInput;
using sequence_kernels::NormalizePosition;
using sequence_kernels::ReadPosition;
using sequence_kernels::RegisterSequenceOp;
using sequence_kernels::RequiredInput;

class SequenceAtKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const TensorSequence* in, ctx.InputSequence(0));
    ASSIGN_OR_RETURN(const Tensor* position_input,
                     RequiredInput("SequenceAt", ctx, 1, "position"));
    ASSIGN_OR_RETURN(int64_t position, ReadPosition("SequenceAt", *position_input));
    ASSIGN_OR_RETURN(position, NormalizePosition("SequenceAt", position, in->size(),
                                                 /*allow_end=*/false));
    const Tensor& element = in->at(position);
    ASSIGN_OR_RETURN(Tensor * out, ctx.OutputWithType(0, element.dtype(), element.shape()));
    return CopyTensor(element, *out);
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceAt(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 2, 2));
  RETURN_IF_ERROR(CheckIndexInput(info, 1, "position"));
  return std::make_unique<SequenceAtKernel>();
}

class SequenceLengthKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const TensorSequence* in, ctx.InputSequence(0));
    ASSIGN_OR_RETURN(Tensor * out, ctx.OutputWithType(0, DataType::kInt64, {}));
    out->data<int64_t>()[0] = in->size();
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceLength(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 1, 1));
  info.output_types()[0] = DataType::kInt64;
  return std::make_unique<SequenceLengthKernel>();
}

}  // namespace

absl::Status RegisterSequenceAt(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceAt", CreateSequenceAt, {0}, {});
}

absl::Status RegisterSequenceLength(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceLength", CreateSequenceLength, {0}, {});
}

}  // namespace berth::engine
