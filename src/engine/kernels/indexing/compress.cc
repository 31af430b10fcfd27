// Compress (opsets 9-21): the slices of `input` along `axis` (or the elements of the
// flattened input when there is no axis) whose entry in the boolean `condition` is true.
// A condition shorter than the axis drops the slices past its end; a longer one may only
// have false entries past the end.
#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

class CompressKernel final : public Kernel {
 public:
  CompressKernel(NodeLabel label, std::optional<int64_t> axis)
      : label_(std::move(label)), axis_(axis) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* input = ctx.input(0);
    const Tensor* condition = ctx.input(1);
    if (input == nullptr || condition == nullptr) {
      return label_.Error("needs inputs input and condition");
    }
    if (condition->dtype() != DataType::kBool || condition->rank() != 1) {
      return label_.Error("condition must be a 1-D bool tensor");
    }
    int axis = 0;
    if (axis_.has_value()) {
      ASSIGN_OR_RETURN(axis, indexing::NormalizeAxis(label_, *axis_, input->rank()));
    }
    const Shape flat = {input->num_elements()};
    const Shape& shape = axis_.has_value() ? input->shape() : flat;
    const int64_t dim = shape[axis];
    const bool* keep = condition->data<bool>();
    const int64_t length = condition->num_elements();
    for (int64_t i = dim; i < length; ++i) {
      if (keep[i]) {
        return label_.Error(absl::StrCat("condition selects entry ", i, " but the axis has ",
                                         dim, " entries"));
      }
    }
    const int64_t usable = std::min(dim, length);
    const int64_t selected = std::count(keep, keep + usable, true);

    Shape out_shape = shape;
    out_shape[axis] = selected;
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    const int rank = static_cast<int>(shape.size());
    const int64_t outer = indexing::DimProduct(shape, 0, axis);
    const int64_t inner = indexing::DimProduct(shape, axis + 1, rank);
    indexing::VisitStorageType(input->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = indexing::StorageOf<T>(*input);
      T* dst = indexing::MutableStorageOf<T>(*out);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < usable; ++i) {
          if (!keep[i]) continue;
          const T* from = src + (o * dim + i) * inner;
          dst = std::copy(from, from + inner, dst);
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  NodeLabel label_;
  std::optional<int64_t> axis_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateCompress(KernelInfo& info) {
  std::optional<int64_t> axis;
  if (info.HasAttribute("axis")) {
    ASSIGN_OR_RETURN(axis, info.IntOr("axis", 0));
  }
  if (info.input_type(1) != DataType::kBool) {
    return info.Error(absl::StrCat("condition must be bool, not ",
                                   DataTypeName(info.input_type(1))));
  }
  return std::make_unique<CompressKernel>(NodeLabel(info), axis);
}

}  // namespace

absl::Status RegisterCompress(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "Compress",
                            .since_version = 9,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateCompress});
}

}  // namespace berth::engine
