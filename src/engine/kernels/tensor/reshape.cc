// Reshape, Flatten and Identity: the output holds the input's elements unchanged under a new
// shape, so each is one copy (the runtime may later alias them instead).
#include <memory>
#include <optional>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::CopyToOutputWithShape;
using tensor_kernels::OpError;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

// Applies Reshape's rules: 0 copies the input dim (unless allow_zero), one -1 is inferred.
absl::StatusOr<Shape> ResolveReshape(absl::Span<const int64_t> input,
                                     absl::Span<const int64_t> requested, bool allow_zero) {
  Shape out(requested.begin(), requested.end());
  int inferred = -1;
  bool has_zero = false;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (inferred >= 0) return OpError("Reshape", "shape has more than one -1");
      inferred = static_cast<int>(i);
      out[i] = 1;
    } else if (out[i] == 0) {
      has_zero = true;
      if (allow_zero) continue;
      if (i >= input.size()) {
        return OpError("Reshape", "shape has 0 at index ", i, " beyond the input rank ",
                       input.size());
      }
      out[i] = input[i];
    } else if (out[i] < -1) {
      return OpError("Reshape", "invalid dimension ", out[i], " in shape");
    }
  }
  if (allow_zero && has_zero && inferred >= 0) {
    return OpError("Reshape", "with allowzero=1 the shape cannot hold both 0 and -1");
  }
  absl::StatusOr<int64_t> known = CheckedNumElements(out);
  if (!known.ok()) return OpError("Reshape", known.status().message());
  int64_t count = NumElementsOf(input);
  if (inferred >= 0) {
    if (*known == 0 || count % *known != 0) {
      return OpError("Reshape", "cannot infer the -1 of shape [", absl::StrJoin(requested, ","),
                     "] for an input of shape ", ShapeToString(input));
    }
    out[inferred] = count / *known;
  } else if (*known != count) {
    return OpError("Reshape", "shape ", ShapeToString(out), " has ", *known,
                   " elements but the input ", ShapeToString(input), " has ", count);
  }
  return out;
}

class ReshapeKernel : public Kernel {
 public:
  // `attr_shape` is used when the shape is an attribute (opset < 5).
  ReshapeKernel(std::optional<Shape> attr_shape, bool allow_zero)
      : attr_shape_(std::move(attr_shape)), allow_zero_(allow_zero) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Reshape", ctx, 0, "data"));
    Shape requested;
    if (attr_shape_.has_value()) {
      requested = *attr_shape_;
    } else {
      ASSIGN_OR_RETURN(const Tensor* shape, RequiredInput("Reshape", ctx, 1, "shape"));
      if (shape->rank() != 1) return OpError("Reshape", "input 'shape' must be 1-D");
      RETURN_IF_ERROR(ReadIntegers("Reshape", *shape, "shape", &requested));
    }
    ASSIGN_OR_RETURN(Shape out, ResolveReshape(input->shape(), requested, allow_zero_));
    return CopyToOutputWithShape(ctx, *input, out);
  }

 private:
  std::optional<Shape> attr_shape_;
  bool allow_zero_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateReshape(KernelInfo& info) {
  std::optional<Shape> attr_shape;
  if (info.opset() < 5) {
    ASSIGN_OR_RETURN(std::vector<int64_t> shape, info.RequiredInts("shape"));
    attr_shape = Shape(shape.begin(), shape.end());
  } else {
    RETURN_IF_ERROR(CheckInputType(info, 1, "shape", {DataType::kInt64}));
  }
  ASSIGN_OR_RETURN(int64_t allow_zero, info.IntOr("allowzero", 0));
  if (allow_zero != 0 && allow_zero != 1) return info.Error("allowzero must be 0 or 1");
  return std::make_unique<ReshapeKernel>(std::move(attr_shape),
                                         info.opset() >= 14 && allow_zero == 1);
}

class FlattenKernel : public Kernel {
 public:
  FlattenKernel(int64_t axis, bool allow_negative) : axis_(axis), allow_negative_(allow_negative) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Flatten", ctx, 0, "input"));
    int rank = input->rank();
    int64_t axis = axis_ < 0 && allow_negative_ ? axis_ + rank : axis_;
    if (axis < 0 || axis > rank) {
      return OpError("Flatten", "axis ", axis_, " is out of range for rank ", rank);
    }
    auto dims = absl::MakeConstSpan(input->shape());
    int64_t outer = NumElementsOf(dims.subspan(0, axis));
    int64_t inner = NumElementsOf(dims.subspan(axis));
    return CopyToOutputWithShape(ctx, *input, {outer, inner});
  }

 private:
  int64_t axis_;
  bool allow_negative_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateFlatten(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 1));
  return std::make_unique<FlattenKernel>(axis, info.opset() >= 11);
}

class IdentityKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Identity", ctx, 0, "input"));
    return CopyToOutputWithShape(ctx, *input, input->shape());
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateIdentity(KernelInfo& info) {
  return std::make_unique<IdentityKernel>();
}

}  // namespace

absl::Status RegisterReshapeKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Reshape", 1, AllTensorTypes(), CreateReshape));
  RETURN_IF_ERROR(RegisterOp(registry, "Flatten", 1, AllTensorTypes(), CreateFlatten));
  return RegisterOp(registry, "Identity", 1, AllTensorTypes(), CreateIdentity);
}

}  // namespace berth::engine
