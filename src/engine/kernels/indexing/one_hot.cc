// OneHot (opsets 9-21): out has indices' shape with a new axis of size `depth` inserted at
// `axis`; the entry addressed by each index is values[1] (on), the rest values[0] (off).
// Indices are cast to int64 (truncation); from opset 11 negative ones count from depth.
// An index outside [-depth, depth - 1] selects nothing, as the ONNX spec defines, so its
// row is all off values. That is not an error, and nothing is read out of bounds.
#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

class OneHotKernel final : public Kernel {
 public:
  OneHotKernel(NodeLabel label, int64_t axis, bool negative_indices)
      : label_(std::move(label)), axis_(axis), negative_indices_(negative_indices) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* indices = ctx.input(0);
    const Tensor* depth_tensor = ctx.input(1);
    const Tensor* values = ctx.input(2);
    if (indices == nullptr || depth_tensor == nullptr || values == nullptr) {
      return label_.Error("needs inputs indices, depth and values");
    }
    ASSIGN_OR_RETURN(double depth_value, indexing::ScalarValue(label_, "depth", *depth_tensor));
    if (!(depth_value >= 1 && depth_value < 9.0e15)) {
      return label_.Error(absl::StrCat("depth must be a positive integer, not ", depth_value));
    }
    const int64_t depth = static_cast<int64_t>(depth_value);
    if (values->rank() != 1 || values->num_elements() != 2) {
      return label_.Error(absl::StrCat("values must be [off_value, on_value], not shape ",
                                       ShapeToString(values->shape())));
    }
    if (indices->dtype() == DataType::kString) {
      return label_.Error("indices must be numeric");
    }
    const int rank = indices->rank();
    if (axis_ < -(rank + 1) || axis_ > rank) {
      return label_.Error(absl::StrCat("axis ", axis_, " is out of range for output rank ",
                                       rank + 1));
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank + 1 : axis_);
    Shape out_shape = indices->shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    ASSIGN_OR_RETURN(Tensor* out, ctx.OutputWithType(0, values->dtype(), out_shape));

    const int64_t inner = indexing::DimProduct(indices->shape(), axis, rank);
    const int64_t count = indices->num_elements();
    indexing::VisitStorageType(values->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* v = indexing::StorageOf<T>(*values);
      T* dst = indexing::MutableStorageOf<T>(*out);
      std::fill(dst, dst + out->num_elements(), v[0]);
      for (int64_t i = 0; i < count; ++i) {
        int64_t k = 0;
        if (!Position(indexing::ElementAsDouble(*indices, i), depth, &k)) continue;
        int64_t o = i / inner;
        dst[(o * depth + k) * inner + i % inner] = v[1];
      }
    });
    return absl::OkStatus();
  }

 private:
  // The depth position an index selects, or false when it selects none.
  bool Position(double index, int64_t depth, int64_t* k) const {
    if (!std::isfinite(index)) return false;
    double t = std::trunc(index);
    if (t < 0 && negative_indices_) t += static_cast<double>(depth);
    if (t < 0 || t >= static_cast<double>(depth)) return false;
    *k = static_cast<int64_t>(t);
    return true;
  }

  NodeLabel label_;
  int64_t axis_;
  bool negative_indices_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateOneHot(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", -1));
  if (info.num_outputs() >= 1) info.output_types()[0] = info.input_type(2);
  return std::make_unique<OneHotKernel>(NodeLabel(info), axis, info.opset() >= 11);
}

}  // namespace

absl::Status RegisterOneHot(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "OneHot",
                            .since_version = 9,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateOneHot});
}

}  // namespace berth::engine
