// ScatterND (opsets 11-21; reduction from 16): out = data, then each row of the innermost
// dimension of `indices` addresses a slice of out that takes the matching slice of updates.
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

class ScatterNDKernel final : public Kernel {
 public:
  ScatterNDKernel(NodeLabel label, ScatterReduction reduction)
      : label_(std::move(label)), reduction_(reduction) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* data = ctx.input(0);
    const Tensor* indices = ctx.input(1);
    const Tensor* updates = ctx.input(2);
    if (data == nullptr || indices == nullptr || updates == nullptr) {
      return label_.Error("needs inputs data, indices and updates");
    }
    RETURN_IF_ERROR(CheckShapes(*data, *indices, *updates));
    const int q = indices->rank();
    const int64_t depth = indices->dim(q - 1);
    const int64_t slices = indexing::DimProduct(indices->shape(), 0, q - 1);
    const int64_t slice_size =
        indexing::DimProduct(data->shape(), static_cast<int>(depth), data->rank());
    const Shape strides = indexing::StridesOf(data->shape());
    IndexView idx(*indices);
    for (int64_t s = 0; s < slices; ++s) {
      for (int k = 0; k < depth; ++k) {
        int64_t v = idx[s * depth + k];
        if (v < -data->dim(k) || v >= data->dim(k)) {
          return indexing::NormalizeIndex(label_, v, data->dim(k), k).status();
        }
      }
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, data->shape()));
    indexing::CopyAllElements(*data, *out);

    return indexing::DispatchScatter(label_, reduction_, *updates, *out, [&](auto apply) {
      for (int64_t s = 0; s < slices; ++s) {
        int64_t offset = 0;
        for (int k = 0; k < depth; ++k) {
          int64_t v = idx[s * depth + k];
          offset += (v < 0 ? v + data->dim(k) : v) * strides[k];
        }
        for (int64_t e = 0; e < slice_size; ++e) apply(offset + e, s * slice_size + e);
      }
    });
  }

 private:
  absl::Status CheckShapes(const Tensor& data, const Tensor& indices,
                           const Tensor& updates) const {
    if (!indexing::IsIndexType(indices.dtype())) return label_.Error("indices must be int64");
    if (updates.dtype() != data.dtype()) {
      return label_.Error(absl::StrCat("updates type ", DataTypeName(updates.dtype()),
                                       " differs from data type ", DataTypeName(data.dtype())));
    }
    if (data.rank() < 1 || indices.rank() < 1) {
      return label_.Error("data and indices must have rank >= 1");
    }
    const int64_t depth = indices.dim(indices.rank() - 1);
    if (depth > data.rank()) {
      return label_.Error(absl::StrCat("the last dimension of indices (", depth,
                                       ") exceeds the rank of data (", data.rank(), ")"));
    }
    Shape expected(indices.shape().begin(), indices.shape().end() - 1);
    expected.insert(expected.end(), data.shape().begin() + depth, data.shape().end());
    if (updates.shape() != expected) {
      return label_.Error(absl::StrCat("updates shape ", ShapeToString(updates.shape()),
                                       " should be ", ShapeToString(expected)));
    }
    return absl::OkStatus();
  }

  NodeLabel label_;
  ScatterReduction reduction_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateScatterND(KernelInfo& info) {
  ASSIGN_OR_RETURN(ScatterReduction reduction, indexing::ParseScatterReduction(info));
  RETURN_IF_ERROR(indexing::CheckIndexInput(info, 1));
  return std::make_unique<ScatterNDKernel>(NodeLabel(info), reduction);
}

}  // namespace

absl::Status RegisterScatterND(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "ScatterND",
                            .since_version = 11,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateScatterND});
}

}  // namespace berth::engine
