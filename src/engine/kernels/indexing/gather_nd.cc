// GatherND (opsets 11-21; batch_dims from 12): each row of the innermost dimension of
// `indices` addresses a slice of data below the first batch_dims dimensions, which data and
// indices share.
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::IndexView;
using indexing::NodeLabel;

class GatherNDKernel final : public Kernel {
 public:
  GatherNDKernel(NodeLabel label, int64_t batch_dims)
      : label_(std::move(label)), batch_dims_(batch_dims) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* data = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    if (data == nullptr || indices == nullptr) {
      return label_.Error("needs inputs data and indices");
    }
    if (!indexing::IsIndexType(indices->dtype())) {
      return label_.Error("indices must be int64");
    }
    RETURN_IF_ERROR(CheckShapes(*data, *indices));
    const int b = static_cast<int>(batch_dims_);
    const int q = indices->rank();
    const int64_t depth = indices->dim(q - 1);

    Shape out_shape(indices->shape().begin(), indices->shape().end() - 1);
    out_shape.insert(out_shape.end(), data->shape().begin() + b + depth, data->shape().end());

    const int64_t batches = indexing::DimProduct(data->shape(), 0, b);
    const int64_t batch_size = indexing::DimProduct(data->shape(), b, data->rank());
    const int64_t slices = indexing::DimProduct(indices->shape(), 0, q - 1);
    const int64_t slices_per_batch = batches == 0 ? 0 : slices / batches;
    const int64_t slice_size = indexing::DimProduct(data->shape(), b + depth, data->rank());
    const Shape strides = indexing::StridesOf(data->shape());

    // Validate every index before writing, and keep nothing: the copy loop recomputes.
    IndexView idx(*indices);
    for (int64_t s = 0; s < slices; ++s) {
      for (int64_t k = 0; k < depth; ++k) {
        int axis = b + static_cast<int>(k);
        int64_t v = idx[s * depth + k];
        if (v < -data->dim(axis) || v >= data->dim(axis)) {
          return indexing::NormalizeIndex(label_, v, data->dim(axis), axis).status();
        }
      }
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));

    indexing::VisitStorageType(data->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = indexing::StorageOf<T>(*data);
      T* dst = indexing::MutableStorageOf<T>(*out);
      indexing::ParallelFor(slices, slices * slice_size, [&](int64_t s) {
        int64_t offset = (s / slices_per_batch) * batch_size;
        for (int64_t k = 0; k < depth; ++k) {
          int axis = b + static_cast<int>(k);
          int64_t v = idx[s * depth + k];
          if (v < 0) v += data->dim(axis);
          offset += v * strides[axis];
        }
        std::copy(src + offset, src + offset + slice_size, dst + s * slice_size);
      });
    });
    return absl::OkStatus();
  }

 private:
  absl::Status CheckShapes(const Tensor& data, const Tensor& indices) const {
    const int r = data.rank();
    const int q = indices.rank();
    if (r < 1 || q < 1) return label_.Error("data and indices must have rank >= 1");
    if (batch_dims_ >= std::min(r, q)) {
      return label_.Error(absl::StrCat("batch_dims ", batch_dims_,
                                       " must be smaller than the ranks of data (", r,
                                       ") and indices (", q, ")"));
    }
    for (int d = 0; d < batch_dims_; ++d) {
      if (data.dim(d) != indices.dim(d)) {
        return label_.Error(absl::StrCat("batch dimension ", d, " differs: data ",
                                         ShapeToString(data.shape()), ", indices ",
                                         ShapeToString(indices.shape())));
      }
    }
    int64_t depth = indices.dim(q - 1);
    if (depth < 1 || depth > r - batch_dims_) {
      return label_.Error(absl::StrCat("the last dimension of indices (", depth,
                                       ") must be in [1, ", r - batch_dims_, "]"));
    }
    return absl::OkStatus();
  }

  NodeLabel label_;
  int64_t batch_dims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGatherND(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t batch_dims, info.IntOr("batch_dims", 0));
  if (batch_dims != 0 && info.opset() < 12) {
    return info.Error("batch_dims needs opset 12 or later");
  }
  if (batch_dims < 0) {
    return info.Error(absl::StrCat("batch_dims must be >= 0, not ", batch_dims));
  }
  RETURN_IF_ERROR(indexing::CheckIndexInput(info, 1));
  return std::make_unique<GatherNDKernel>(NodeLabel(info), batch_dims);
}

}  // namespace

absl::Status RegisterGatherND(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "GatherND",
                            .since_version = 11,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateGatherND});
}

}  // namespace berth::engine
