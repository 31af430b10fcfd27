// MaxUnpool (9-21): scatters X into a zero tensor at the flat positions MaxPool's Indices
// recorded. The indices address the unpooled shape inferred from the window attributes;
// a larger output_shape extends that tensor with zeros at the end of each dim (as ONNX's
// reference does).
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

const char kOp[] = "MaxUnpool";

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

class MaxUnpoolKernel : public Kernel {
 public:
  explicit MaxUnpoolKernel(WindowAttrs window) : window_(std::move(window)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    const Tensor* output_shape = ctx.input(2);
    if (x == nullptr || indices == nullptr) return Error("inputs X and I are required");
    const size_t rank = window_.kernel_shape.size();
    if (x->rank() != static_cast<int>(rank) + 2) {
      return Error(absl::StrCat("X ", ShapeToString(x->shape()), " must have rank ", rank + 2));
    }
    if (indices->dtype() != DataType::kInt64 || indices->shape() != x->shape()) {
      return Error("I must be int64 with the shape of X");
    }
    if ((!window_.strides.empty() && window_.strides.size() != rank) ||
        (!window_.pads.empty() && window_.pads.size() != 2 * rank)) {
      return Error("strides and pads must match kernel_shape's rank");
    }
    Shape inferred = {x->dim(0), x->dim(1)};
    for (size_t i = 0; i < rank; ++i) {
      int64_t s = window_.strides.empty() ? 1 : window_.strides[i];
      int64_t pads = window_.pads.empty() ? 0 : window_.pads[i] + window_.pads[rank + i];
      int64_t d = (x->dim(2 + i) - 1) * s - pads + window_.kernel_shape[i];
      if (d < 0) return Error("the unpooled shape would be negative");
      inferred.push_back(d);
    }
    Shape out_shape = inferred;
    if (output_shape != nullptr) {
      if (output_shape->dtype() != DataType::kInt64 || output_shape->rank() != 1 ||
          output_shape->num_elements() != x->rank()) {
        return Error("output_shape must be a 1-D int64 tensor with one value per dim of X");
      }
      out_shape.assign(output_shape->data<int64_t>(),
                       output_shape->data<int64_t>() + x->rank());
      for (int i = 0; i < x->rank(); ++i) {
        if (out_shape[i] < inferred[i]) {
          return Error(absl::StrCat("output_shape ", ShapeToString(out_shape),
                                    " is smaller than the unpooled shape ",
                                    ShapeToString(inferred)));
        }
      }
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, out_shape));
    std::memset(y->raw_data(), 0, y->byte_size());
    const int64_t total = NumElementsOf(inferred);
    const int64_t* idx = indices->data<int64_t>();
    for (int64_t i = 0; i < x->num_elements(); ++i) {
      if (idx[i] < 0 || idx[i] >= total) {
        return Error(absl::StrCat("index ", idx[i], " is outside the unpooled tensor ",
                                  ShapeToString(inferred)));
      }
    }
    if (x->dtype() == DataType::kFloat) {
      Scatter<float>(*x, idx, inferred, out_shape, y->data<float>());
    } else if (x->dtype() == DataType::kDouble) {
      Scatter<double>(*x, idx, inferred, out_shape, y->data<double>());
    } else {
      return Error("X must be float or double");
    }
    return absl::OkStatus();
  }

 private:
  // Writes x[i] at flat position idx[i] of `inferred`, mapped into `out` coordinates.
  template <typename T>
  static void Scatter(const Tensor& x, const int64_t* idx, const Shape& inferred,
                      const Shape& out, T* y) {
    const T* xd = x.data<T>();
    const int rank = static_cast<int>(inferred.size());
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      int64_t rest = idx[i], flat = 0, stride = 1;
      for (int d = rank - 1; d >= 0; --d) {
        flat += (rest % inferred[d]) * stride;
        rest /= inferred[d];
        stride *= out[d];
      }
      y[flat] = xd[i];
    }
  }

  WindowAttrs window_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMaxUnpool(KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttrs window, ReadWindowAttrs(info, /*require_kernel_shape=*/true));
  if (window.auto_pad != AutoPad::kNotSet || !window.dilations.empty()) {
    return info.Error("MaxUnpool takes neither auto_pad nor dilations");
  }
  return std::make_unique<MaxUnpoolKernel>(std::move(window));
}

}  // namespace

absl::Status RegisterMaxUnpool(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "MaxUnpool",
                                     .since_version = 9,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateMaxUnpool});
}

}  // namespace berth::engine
