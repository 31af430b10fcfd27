// SequenceEmpty (an empty sequence of the `dtype` attribute's type) and SequenceConstruct (a
// sequence of copies of the node's inputs, in order).
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/sequence/sequence_kernels.h"
#include "engine/kernels/sequence/sequence_util.h"

namespace berth::engine {
namespace {

using sequence_kernels::CheckArity;
using sequence_kernels::CheckSameType;
using sequence_kernels::OpError;
using sequence_kernels::RegisterSequenceOp;
using sequence_kernels::RequiredInput;

class SequenceEmptyKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    // OutputSequence empties the sequence and gives it the type decided at load.
    return ctx.OutputSequence(0).status();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceEmpty(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 0, 0));
  ASSIGN_OR_RETURN(int64_t dtype, info.IntOr("dtype", static_cast<int64_t>(DataType::kFloat)));
  if (dtype < 0 || dtype > INT32_MAX || !IsKnownDataType(static_cast<int32_t>(dtype))) {
    return info.Error(absl::StrCat("attribute 'dtype' is ", dtype,
                                   ", which is not a supported element type"));
  }
  info.output_types()[0] = static_cast<DataType>(dtype);
  return std::make_unique<SequenceEmptyKernel>();
}

class SequenceConstructKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* first, RequiredInput("SequenceConstruct", ctx, 0, "inputs"));
    ASSIGN_OR_RETURN(TensorSequence * out, ctx.OutputSequence(0));
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* in, RequiredInput("SequenceConstruct", ctx, i, "inputs"));
      if (in->dtype() != first->dtype()) {
        return OpError("SequenceConstruct", "input ", i, " has type ", DataTypeName(in->dtype()),
                       " but input 0 has ", DataTypeName(first->dtype()));
      }
      RETURN_IF_ERROR(out->AppendCopy(*in));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceConstruct(KernelInfo& info) {
  RETURN_IF_ERROR(CheckArity(info, 1, INT32_MAX));
  for (int i = 1; i < info.num_inputs(); ++i) RETURN_IF_ERROR(CheckSameType(info, 0, i));
  return std::make_unique<SequenceConstructKernel>();
}

}  // namespace

absl::Status RegisterSequenceEmpty(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceEmpty", CreateSequenceEmpty, {}, {0});
}

absl::Status RegisterSequenceConstruct(KernelRegistry& registry) {
  return RegisterSequenceOp(registry, "SequenceConstruct", CreateSequenceConstruct, {}, {0});
}

}  // namespace berth::engine
