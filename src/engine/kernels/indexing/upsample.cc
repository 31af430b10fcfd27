// Upsample (opsets 7-9; deprecated at 10 in favour of Resize). Scales come from the
// `scales` attribute at opsets 7-8 and from the second input at 9; there is one per
// dimension and each is >= 1. Output lengths are floor(in * scale). Coordinates map
// asymmetrically (x / scale); nearest mode truncates, linear mode interpolates between the
// two neighbours with the edge repeated, matching Resize at opset 10.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"
#include "engine/kernels/indexing/resize_core.h"
#include "engine/kernels/indexing/resize_taps.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;
using indexing::ResizeAxis;
using indexing::ResizeOptions;

class UpsampleKernel final : public Kernel {
 public:
  // `scales` empty: read them from input 1 at each run.
  UpsampleKernel(NodeLabel label, ResizeOptions options, std::vector<float> scales)
      : label_(std::move(label)), options_(options), scales_(std::move(scales)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return label_.Error("needs input X");
    const int rank = x->rank();
    const Tensor* scale_input = scales_.empty() ? ctx.input(1) : nullptr;
    if (scales_.empty() && scale_input == nullptr) return label_.Error("needs input scales");
    const int64_t count = scales_.empty() ? scale_input->num_elements()
                                          : static_cast<int64_t>(scales_.size());
    if (count != rank) {
      return label_.Error(absl::StrCat("needs one scale per dimension: got ", count,
                                       " for rank ", rank));
    }
    absl::InlinedVector<ResizeAxis, 6> geometry(rank);
    Shape out_shape;
    for (int d = 0; d < rank; ++d) {
      double s = scales_.empty() ? indexing::ElementAsDouble(*scale_input, d) : scales_[d];
      double length = s * static_cast<double>(x->dim(d));
      if (!(s >= 1.0) || !(length < 1e15)) {
        return label_.Error(absl::StrCat("scale ", s, " for axis ", d, " must be >= 1"));
      }
      geometry[d] = {x->dim(d), static_cast<int64_t>(std::floor(length)), s, 0.0, 1.0};
      out_shape.push_back(geometry[d].out);
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, out_shape));
    return indexing::RunResize(label_, options_, geometry, *x, *out, ctx);
  }

 private:
  NodeLabel label_;
  ResizeOptions options_;
  std::vector<float> scales_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateUpsample(KernelInfo& info) {
  ResizeOptions options;
  ASSIGN_OR_RETURN(std::string mode, info.StringOr("mode", "nearest"));
  if (mode == "nearest") {
    options.mode = indexing::ResizeMode::kNearest;
  } else if (mode == "linear") {
    options.mode = indexing::ResizeMode::kLinear;
    if (info.input_type(0) == DataType::kString) {
      return info.Error("linear mode needs a numeric input");
    }
  } else {
    return info.Error(absl::StrCat("unsupported mode '", mode, "' (nearest or linear)"));
  }
  options.coordinate_mode = indexing::CoordinateMode::kAsymmetric;
  options.nearest_mode = indexing::NearestMode::kSimple;
  std::vector<float> scales;
  if (info.opset() < 9) {
    ASSIGN_OR_RETURN(scales, info.FloatsOr("scales", {}));
    if (scales.empty()) return info.Error("missing required attribute 'scales'");
  }
  return std::make_unique<UpsampleKernel>(NodeLabel(info), options, std::move(scales));
}

}  // namespace

absl::Status RegisterUpsample(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "Upsample",
                            .since_version = 7,
                            .end_version = 9,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateUpsample});
}

}  // namespace berth::engine
