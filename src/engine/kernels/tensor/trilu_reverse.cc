// Trilu (keep the upper or lower triangle of the last two dims) and ReverseSequence (reverse
// the first sequence_lens[b] time steps of each batch entry).
#include <algorithm>
#include <memory>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::CopyAll;
using tensor_kernels::CopyStrided;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::RowMajorStrides;
using tensor_kernels::ZeroElements;

class TriluKernel : public Kernel {
 public:
  explicit TriluKernel(bool upper) : upper_(upper) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Trilu", ctx, 0, "input"));
    int rank = input->rank();
    if (rank < 2) return OpError("Trilu", "input must have rank >= 2, got ", rank);
    int64_t k = 0;
    if (const Tensor* k_t = ctx.input(1)) {
      Shape values;
      RETURN_IF_ERROR(ReadIntegers("Trilu", *k_t, "k", &values));
      if (values.size() != 1) return OpError("Trilu", "k must hold one value");
      k = values[0];
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, input->shape(), input->dtype()));
    CopyAll(*input, *out);
    int64_t rows = input->dim(rank - 2), cols = input->dim(rank - 1);
    if (rows * cols == 0) return absl::OkStatus();
    k = std::clamp<int64_t>(k, -rows - 1, cols + 1);
    int64_t matrices = input->num_elements() / (rows * cols);
    for (int64_t m = 0; m < matrices; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        int64_t row = (m * rows + i) * cols;
        // Upper keeps columns j >= i + k; lower keeps j <= i + k.
        if (upper_) {
          ZeroElements(*out, row, std::clamp<int64_t>(i + k, 0, cols));
        } else {
          int64_t first = std::clamp<int64_t>(i + k + 1, 0, cols);
          ZeroElements(*out, row + first, cols - first);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  bool upper_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateTrilu(KernelInfo& info) {
  RETURN_IF_ERROR(CheckInputType(info, 1, "k", {DataType::kInt64}));
  ASSIGN_OR_RETURN(int64_t upper, info.IntOr("upper", 1));
  return std::make_unique<TriluKernel>(upper != 0);
}

class ReverseSequenceKernel : public Kernel {
 public:
  ReverseSequenceKernel(int batch_axis, int time_axis)
      : batch_axis_(batch_axis), time_axis_(time_axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("ReverseSequence", ctx, 0, "input"));
    ASSIGN_OR_RETURN(const Tensor* lens_t,
                     RequiredInput("ReverseSequence", ctx, 1, "sequence_lens"));
    if (input->rank() < 2) return OpError("ReverseSequence", "input must have rank >= 2");
    int64_t batch = input->dim(batch_axis_);
    int64_t steps = input->dim(time_axis_);
    Shape lens;
    RETURN_IF_ERROR(ReadIntegers("ReverseSequence", *lens_t, "sequence_lens", &lens));
    if (lens_t->rank() != 1 || static_cast<int64_t>(lens.size()) != batch) {
      return OpError("ReverseSequence", "sequence_lens must hold ", batch, " values");
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, input->shape(), input->dtype()));
    Shape in_strides = RowMajorStrides(input->shape());
    int64_t batch_stride = in_strides[batch_axis_];
    int64_t time_stride = in_strides[time_axis_];
    // Dims: [time, inner dims...]; the inner dims (rank 2 on) are copied as they are.
    Shape shape(input->shape().begin() + 1, input->shape().end());
    Shape src(in_strides.begin() + 1, in_strides.end());
    Shape dst = src;
    for (int64_t b = 0; b < batch; ++b) {
      int64_t len = lens[b];
      if (len < 0 || len > steps) {
        return OpError("ReverseSequence", "sequence length ", len, " is outside [0, ", steps,
                       "]");
      }
      int64_t base = b * batch_stride;
      shape[0] = len;
      src[0] = -time_stride;
      dst[0] = time_stride;
      CopyStrided(*input, base + (len - 1) * time_stride, src, *out, base, dst, shape,
                  ctx.intra_op_threads());
      shape[0] = steps - len;
      src[0] = time_stride;
      CopyStrided(*input, base + len * time_stride, src, *out, base + len * time_stride, dst,
                  shape, ctx.intra_op_threads());
    }
    return absl::OkStatus();
  }

 private:
  int batch_axis_;
  int time_axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateReverseSequence(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t batch_axis, info.IntOr("batch_axis", 1));
  ASSIGN_OR_RETURN(int64_t time_axis, info.IntOr("time_axis", 0));
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0))) {
    return info.Error("batch_axis and time_axis must be 0 and 1 in some order");
  }
  RETURN_IF_ERROR(CheckInputType(info, 1, "sequence_lens", {DataType::kInt64}));
  return std::make_unique<ReverseSequenceKernel>(static_cast<int>(batch_axis),
                                                 static_cast<int>(time_axis));
}

}  // namespace

absl::Status RegisterTriluReverseKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Trilu", 14, AllTensorTypes(), CreateTrilu));
  return RegisterOp(registry, "ReverseSequence", 10, AllTensorTypes(), CreateReverseSequence);
}

}  // namespace berth::engine
