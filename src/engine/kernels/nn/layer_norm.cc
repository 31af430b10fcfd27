// LayerNormalization (17-21): normalizes over the trailing dims X.shape[axis:], then applies
// Scale and B (broadcast to those dims). Optional outputs Mean and InvStdDev have shape
// X.shape[:axis] followed by ones, in float (stash_type 1).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/norm_stats.h"

namespace berth::engine {
namespace {

const char kOp[] = "LayerNormalization";

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

// Expands `t` (unidirectionally broadcastable to `dims`) into `out` (NumElementsOf(dims)
// values). Fails when the shapes do not broadcast.
template <typename T>
absl::Status ExpandTo(const Tensor& t, absl::Span<const int64_t> dims, const char* name, T* out) {
  const int rank = static_cast<int>(dims.size());
  // Leading ones do not change a broadcast.
  int lead = 0;
  while (lead < t.rank() && t.rank() - lead > rank && t.dim(lead) == 1) ++lead;
  const int t_rank = t.rank() - lead;
  if (t_rank > rank) return Error(absl::StrCat(name, " does not broadcast to the normalized dims"));
  int64_t src_strides[8] = {0};
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    const int ti = i - (rank - t_rank);
    if (ti < 0) continue;
    const int64_t d = t.dim(lead + ti);
    if (d != 1 && d != dims[i]) {
      return Error(absl::StrCat(name, " ", ShapeToString(t.shape()),
                                " does not broadcast to the normalized dims"));
    }
    src_strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
  const T* src = t.data<T>();
  const int64_t total = NumElementsOf(dims);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, offset = 0;
    for (int i = rank - 1; i >= 0; --i) {
      offset += (rest % dims[i]) * src_strides[i];
      rest /= dims[i];
    }
    out[flat] = src[offset];
  }
  return absl::OkStatus();
}

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(int64_t axis, float epsilon) : axis_(axis), epsilon_(epsilon) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* scale = ctx.input(1);
    const Tensor* bias = ctx.input(2);
    if (x == nullptr || scale == nullptr) return Error("inputs X and Scale are required");
    if (scale->dtype() != x->dtype() || (bias != nullptr && bias->dtype() != x->dtype())) {
      return Error("Scale and B must have X's type");
    }
    const int64_t axis = axis_ < 0 ? axis_ + x->rank() : axis_;
    if (axis < 0 || axis >= x->rank()) {
      return Error(absl::StrCat("axis ", axis_, " is out of range for rank ", x->rank()));
    }
    if (x->rank() - axis > 8) return Error("at most 8 normalized dims are supported");
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    Shape stat_shape(x->shape().begin(), x->shape().begin() + axis);
    stat_shape.resize(x->rank(), 1);
    Tensor* mean = nullptr;
    Tensor* inv_std = nullptr;
    if (ctx.num_outputs() > 1 && ctx.output_wanted(1)) {
      ASSIGN_OR_RETURN(mean, ctx.Output(1, stat_shape));
    }
    if (ctx.num_outputs() > 2 && ctx.output_wanted(2)) {
      ASSIGN_OR_RETURN(inv_std, ctx.Output(2, stat_shape));
    }
    absl::Span<const int64_t> dims = absl::MakeConstSpan(x->shape()).subspan(axis);
    if (x->dtype() == DataType::kFloat) {
      return Run<float>(ctx, *x, *scale, bias, dims, y, mean, inv_std);
    }
    if (x->dtype() == DataType::kDouble) {
      return Run<double>(ctx, *x, *scale, bias, dims, y, mean, inv_std);
    }
    return Error("X must be float or double");
  }

 private:
  template <typename T>
  absl::Status Run(KernelContext& ctx, const Tensor& x, const Tensor& scale, const Tensor* bias,
                   absl::Span<const int64_t> dims, Tensor* y, Tensor* mean_out,
                   Tensor* inv_std_out) const {
    const int64_t cols = NumElementsOf(dims);
    if (cols == 0) return absl::OkStatus();
    const int64_t rows = x.num_elements() / cols;
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, 2 * cols * sizeof(T), kOp));
    T* s = reinterpret_cast<T*>(scratch);
    T* b = s + cols;
    RETURN_IF_ERROR(ExpandTo<T>(scale, dims, "Scale", s));
    if (bias != nullptr) {
      RETURN_IF_ERROR(ExpandTo<T>(*bias, dims, "B", b));
    } else {
      std::fill(b, b + cols, T{0});
    }
    float* mean_data = mean_out ? mean_out->data<float>() : nullptr;
    float* inv_data = inv_std_out ? inv_std_out->data<float>() : nullptr;
    const bool parallel = rows > 1 && x.num_elements() > (1 << 14);
#pragma omp parallel for if (parallel)
    for (int64_t r = 0; r < rows; ++r) {
      const T* xr = x.data<T>() + r * cols;
      T* yr = y->data<T>() + r * cols;
      double mean, var;
      MeanVariance(xr, cols, &mean, &var);
      const double inv = 1.0 / std::sqrt(var + epsilon_);
      // The statistics are summed in double; the per-element affine map runs in T (full-width
      // vectors for float).
      const T m = static_cast<T>(mean), iv = static_cast<T>(inv);
      for (int64_t i = 0; i < cols; ++i) yr[i] = (xr[i] - m) * iv * s[i] + b[i];
      if (mean_data) mean_data[r] = static_cast<float>(mean);
      if (inv_data) inv_data[r] = static_cast<float>(inv);
    }
    return absl::OkStatus();
  }

  int64_t axis_;
  float epsilon_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateLayerNorm(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", -1));
  ASSIGN_OR_RETURN(float epsilon, info.FloatOr("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(int64_t stash_type, info.IntOr("stash_type", 1));
  if (stash_type != 1) return info.Error("only stash_type 1 (float) is supported");
  for (size_t i = 1; i < info.output_types().size(); ++i) {
    info.output_types()[i] = DataType::kFloat;
  }
  return std::make_unique<LayerNormKernel>(axis, epsilon);
}

}  // namespace

absl::Status RegisterLayerNormalization(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "LayerNormalization",
                                     .since_version = 17,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateLayerNorm});
}

}  // namespace berth::engine
