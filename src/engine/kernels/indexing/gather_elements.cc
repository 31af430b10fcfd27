// GatherElements (opsets 11-21): out[i][j][k] = data[indices[i][j][k]][j][k] for axis 0, and
// likewise for the other axes. indices has data's rank; off the axis its dims may be smaller
// than data's (as in torch.gather).
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::IndexView;
using indexing::NodeLabel;

class GatherElementsKernel final : public Kernel {
 public:
  GatherElementsKernel(NodeLabel label, int64_t axis) : label_(std::move(label)), axis_(axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* data = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    if (data == nullptr || indices == nullptr) {
      return label_.Error("needs inputs data and indices");
    }
    if (!indexing::IsIndexType(indices->dtype())) {
      return label_.Error("indices must be int32 or int64");
    }
    const int rank = data->rank();
    ASSIGN_OR_RETURN(int axis, indexing::NormalizeAxis(label_, axis_, rank));
    if (indices->rank() != rank) {
      return label_.Error(absl::StrCat("indices rank ", indices->rank(),
                                       " differs from data rank ", rank));
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && indices->dim(d) > data->dim(d)) {
        return label_.Error(absl::StrCat("indices shape ", ShapeToString(indices->shape()),
                                         " exceeds data shape ", ShapeToString(data->shape()),
                                         " on axis ", d));
      }
    }
    const int64_t dim = data->dim(axis);
    const int64_t count = indices->num_elements();
    IndexView idx(*indices);
    for (int64_t i = 0; i < count; ++i) {
      if (idx[i] < -dim || idx[i] >= dim) {
        return indexing::NormalizeIndex(label_, idx[i], dim, axis).status();
      }
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, indices->shape()));
    if (count == 0) return absl::OkStatus();

    const Shape data_strides = indexing::StridesOf(data->shape());
    const int64_t last = indices->dim(rank - 1);
    const int64_t rows = count / last;
    const int64_t axis_stride = data_strides[axis];
    const bool axis_is_last = axis == rank - 1;
    indexing::VisitStorageType(data->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = indexing::StorageOf<T>(*data);
      T* dst = indexing::MutableStorageOf<T>(*out);
      indexing::ParallelFor(rows, count, [&](int64_t row) {
        // Offset in data of this row's first element, the axis coordinate left out.
        int64_t base = 0;
        int64_t rest = row;
        for (int d = rank - 2; d >= 0; --d) {
          int64_t coord = rest % indices->dim(d);
          rest /= indices->dim(d);
          if (d != axis) base += coord * data_strides[d];
        }
        for (int64_t j = 0; j < last; ++j) {
          int64_t k = idx[row * last + j];
          if (k < 0) k += dim;
          int64_t offset = base + k * axis_stride + (axis_is_last ? 0 : j);
          dst[row * last + j] = src[offset];
        }
      });
    });
    return absl::OkStatus();
  }

 private:
  NodeLabel label_;
  int64_t axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGatherElements(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
  RETURN_IF_ERROR(indexing::CheckIndexInput(info, 1));
  return std::make_unique<GatherElementsKernel>(NodeLabel(info), axis);
}

}  // namespace

absl::Status RegisterGatherElements(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "GatherElements",
                            .since_version = 11,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateGatherElements});
}

}  // namespace berth::engine
