// Squeeze and Unsqueeze: remove or insert dims of size 1. The axes are an attribute before
// opset 13 and an int64 input from 13 on; the data is copied unchanged.
#include <algorithm>
#include <memory>
#include <optional>

#include "common/status_macros.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CheckInputType;
using tensor_kernels::CopyToOutputWithShape;
using tensor_kernels::NormalizeAxes;
using tensor_kernels::OpError;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

// The axes from the attribute (set when opset < 13), else from input 1 (null if absent).
absl::StatusOr<std::optional<Shape>> AxesOf(absl::string_view op,
                                            const std::optional<Shape>& attr_axes,
                                            const KernelContext& ctx) {
  if (attr_axes.has_value()) return attr_axes;
  const Tensor* axes = ctx.input(1);
  if (axes == nullptr) return std::optional<Shape>();
  Shape values;
  RETURN_IF_ERROR(ReadIntegers(op, *axes, "axes", &values));
  return std::optional<Shape>(std::move(values));
}

class SqueezeKernel : public Kernel {
 public:
  explicit SqueezeKernel(std::optional<Shape> attr_axes) : attr_axes_(std::move(attr_axes)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Squeeze", ctx, 0, "data"));
    ASSIGN_OR_RETURN(std::optional<Shape> axes, AxesOf("Squeeze", attr_axes_, ctx));
    const Shape& in = input->shape();
    Shape out;
    // Empty axes squeeze every size-1 dim, as absent ones do (ONNX Runtime agrees).
    if (!axes.has_value() || axes->empty()) {
      for (int64_t d : in) {
        if (d != 1) out.push_back(d);
      }
      return CopyToOutputWithShape(ctx, *input, out);
    }
    RETURN_IF_ERROR(NormalizeAxes("Squeeze", input->rank(), &*axes));
    for (int k = 0; k < input->rank(); ++k) {
      bool squeezed = std::find(axes->begin(), axes->end(), k) != axes->end();
      if (!squeezed) {
        out.push_back(in[k]);
      } else if (in[k] != 1) {
        return OpError("Squeeze", "cannot squeeze axis ", k, " of size ", in[k], " (shape ",
                       ShapeToString(in), ")");
      }
    }
    return CopyToOutputWithShape(ctx, *input, out);
  }

 private:
  std::optional<Shape> attr_axes_;
};

class UnsqueezeKernel : public Kernel {
 public:
  explicit UnsqueezeKernel(std::optional<Shape> attr_axes) : attr_axes_(std::move(attr_axes)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Unsqueeze", ctx, 0, "data"));
    ASSIGN_OR_RETURN(std::optional<Shape> axes, AxesOf("Unsqueeze", attr_axes_, ctx));
    if (!axes.has_value()) return OpError("Unsqueeze", "missing required input 'axes'");
    int out_rank = input->rank() + static_cast<int>(axes->size());
    RETURN_IF_ERROR(NormalizeAxes("Unsqueeze", out_rank, &*axes));
    Shape out(out_rank, 1);
    auto next = input->shape().begin();
    for (int k = 0; k < out_rank; ++k) {
      if (std::find(axes->begin(), axes->end(), k) == axes->end()) out[k] = *next++;
    }
    return CopyToOutputWithShape(ctx, *input, out);
  }

 private:
  std::optional<Shape> attr_axes_;
};

// Reads the pre-13 `axes` attribute, or checks the type of the axes input from 13 on.
absl::StatusOr<std::optional<Shape>> AttrAxes(KernelInfo& info, bool required) {
  if (info.opset() >= 13) {
    RETURN_IF_ERROR(CheckInputType(info, 1, "axes", {DataType::kInt64}));
    return std::optional<Shape>();
  }
  if (!info.HasAttribute("axes")) {
    if (required) return info.Error("missing required attribute 'axes'");
    return std::optional<Shape>();
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, info.IntsOr("axes", {}));
  return std::optional<Shape>(Shape(axes.begin(), axes.end()));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSqueeze(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::optional<Shape> axes, AttrAxes(info, /*required=*/false));
  return std::make_unique<SqueezeKernel>(std::move(axes));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateUnsqueeze(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::optional<Shape> axes, AttrAxes(info, /*required=*/true));
  return std::make_unique<UnsqueezeKernel>(std::move(axes));
}

}  // namespace

absl::Status RegisterSqueezeKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Squeeze", 1, AllTensorTypes(), CreateSqueeze));
  return RegisterOp(registry, "Unsqueeze", 1, AllTensorTypes(), CreateUnsqueeze);
}

}  // namespace berth::engine
