// ScatterElements (opsets 11-21) and its earlier name Scatter (opsets 9-10): out = data, then
// out[indices[i][j]][j] = updates[i][j] for axis 0 (and likewise for other axes), combined
// under `reduction` from opset 16. indices and updates share a shape of data's rank whose
// dims off the axis may be smaller than data's.
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"
#include "engine/kernels/indexing/scatter_reduction.h"

namespace berth::engine {
namespace {

using indexing::IndexView;
using indexing::NodeLabel;
using indexing::ScatterReduction;

class ScatterElementsKernel final : public Kernel {
 public:
  ScatterElementsKernel(NodeLabel label, int64_t axis, ScatterReduction reduction)
      : label_(std::move(label)), axis_(axis), reduction_(reduction) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* data = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    const Tensor* updates = ctx.input(2);
    if (data == nullptr || indices == nullptr || updates == nullptr) {
      return label_.Error("needs inputs data, indices and updates");
    }
    const int rank = data->rank();
    ASSIGN_OR_RETURN(int axis, indexing::NormalizeAxis(label_, axis_, rank));
    RETURN_IF_ERROR(CheckShapes(*data, *indices, *updates, axis));
    const int64_t dim = data->dim(axis);
    const int64_t count = indices->num_elements();
    IndexView idx(*indices);
    for (int64_t i = 0; i < count; ++i) {
      if (idx[i] < -dim || idx[i] >= dim) {
        return indexing::NormalizeIndex(label_, idx[i], dim, axis).status();
      }
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, data->shape()));
    indexing::CopyAllElements(*data, *out);
    if (count == 0) return absl::OkStatus();

    const Shape data_strides = indexing::StridesOf(data->shape());
    const int64_t last = indices->dim(rank - 1);
    const bool axis_is_last = axis == rank - 1;
    return indexing::DispatchScatter(label_, reduction_, *updates, *out, [&](auto apply) {
      for (int64_t row = 0; row < count / last; ++row) {
        int64_t base = 0;
        int64_t rest = row;
        for (int d = rank - 2; d >= 0; --d) {
          int64_t coord = rest % indices->dim(d);
          rest /= indices->dim(d);
          if (d != axis) base += coord * data_strides[d];
        }
        for (int64_t j = 0; j < last; ++j) {
          int64_t i = row * last + j;
          int64_t k = idx[i] < 0 ? idx[i] + dim : idx[i];
          apply(base + k * data_strides[axis] + (axis_is_last ? 0 : j), i);
        }
      }
    });
  }

 private:
  absl::Status CheckShapes(const Tensor& data, const Tensor& indices, const Tensor& updates,
                           int axis) const {
    if (!indexing::IsIndexType(indices.dtype())) {
      return label_.Error("indices must be int32 or int64");
    }
    if (updates.dtype() != data.dtype()) {
      return label_.Error(absl::StrCat("updates type ", DataTypeName(updates.dtype()),
                                       " differs from data type ", DataTypeName(data.dtype())));
    }
    if (updates.shape() != indices.shape()) {
      return label_.Error(absl::StrCat("updates shape ", ShapeToString(updates.shape()),
                                       " differs from indices shape ",
                                       ShapeToString(indices.shape())));
    }
    if (indices.rank() != data.rank()) {
      return label_.Error(absl::StrCat("indices rank ", indices.rank(),
                                       " differs from data rank ", data.rank()));
    }
    for (int d = 0; d < data.rank(); ++d) {
      if (d != axis && indices.dim(d) > data.dim(d)) {
        return label_.Error(absl::StrCat("indices shape ", ShapeToString(indices.shape()),
                                         " exceeds data shape ", ShapeToString(data.shape()),
                                         " on axis ", d));
      }
    }
    return absl::OkStatus();
  }

  NodeLabel label_;
  int64_t axis_;
  ScatterReduction reduction_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateScatterElements(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
  ASSIGN_OR_RETURN(ScatterReduction reduction, indexing::ParseScatterReduction(info));
  RETURN_IF_ERROR(indexing::CheckIndexInput(info, 1));
  return std::make_unique<ScatterElementsKernel>(NodeLabel(info), axis, reduction);
}

}  // namespace

absl::Status RegisterScatterElements(KernelRegistry& registry) {
  RETURN_IF_ERROR(registry.Register({.domain = "",
                                     .op_type = "Scatter",
                                     .since_version = 9,
                                     .end_version = 10,
                                     .type_input = 0,
                                     .types = {},
                                     .factory = CreateScatterElements}));
  return registry.Register({.domain = "",
                           .op_type = "ScatterElements",
                           .since_version = 11,
                           .end_version = 21,
                           .type_input = 0,
                           .types = {},
                           .factory = CreateScatterElements});
}

}  // namespace berth::engine
