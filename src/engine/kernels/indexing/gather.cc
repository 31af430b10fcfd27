// Gather (opsets 1-21): out = take(data, indices, axis), negative indices counting from the
// end of the axis.
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

class GatherKernel final : public Kernel {
 public:
  GatherKernel(NodeLabel label, int64_t axis) : label_(std::move(label)), axis_(axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* data = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    if (data == nullptr || indices == nullptr) {
      return label_.Error("needs inputs data and indices");
    }
    if (!indexing::IsIndexType(indices->dtype())) {
      return label_.Error("indices must be int32 or int64");
    }
    ASSIGN_OR_RETURN(int axis, indexing::NormalizeAxis(label_, axis_, data->rank()));
    const int64_t dim = data->dim(axis);
    const int64_t count = indices->num_elements();
    IndexView idx(*indices);
    for (int64_t j = 0; j < count; ++j) {
      if (idx[j] < -dim || idx[j] >= dim) {
        return indexing::NormalizeIndex(label_, idx[j], dim, axis).status();
      }
    }

    Shape out_shape(data->shape().begin(), data->shape().begin() + axis);
    out_shape.insert(out_shape.end(), indices->shape().begin(), indices->shape().end());
    out_shape.insert(out_shape.end(), data->shape().begin() + axis + 1, data->shape().end());
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));

    const int64_t outer = indexing::DimProduct(data->shape(), 0, axis);
    const int64_t inner = indexing::DimProduct(data->shape(), axis + 1, data->rank());
    indexing::VisitStorageType(data->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = indexing::StorageOf<T>(*data);
      T* dst = indexing::MutableStorageOf<T>(*out);
      indexing::ParallelFor(outer * count, outer * count * inner, [&](int64_t row) {
        int64_t o = row / count;
        int64_t k = idx[row % count];
        if (k < 0) k += dim;
        const T* from = src + (o * dim + k) * inner;
        std::copy(from, from + inner, dst + row * inner);
      });
    });
    return absl::OkStatus();
  }

 private:
  NodeLabel label_;
  int64_t axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGather(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", 0));
  RETURN_IF_ERROR(indexing::CheckIndexInput(info, 1));
  return std::make_unique<GatherKernel>(NodeLabel(info), axis);
}

}  // namespace

absl::Status RegisterGather(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "Gather",
                            .since_version = 1,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateGather});
}

}  // namespace berth::engine
