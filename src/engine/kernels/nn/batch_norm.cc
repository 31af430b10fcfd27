// BatchNormalization, every opset (1-21), float and double.
//
// Inference normalizes with the given statistics (float runs on oneDNN's batch_normalization
// with use_global_stats). Training mode (opset 14+: training_mode=1; before 14: the node asks
// for more than Y) normalizes with the batch statistics and also outputs the running
// statistics, blended with `momentum` (and before opset 14 the batch mean and variance).
// Opsets 1-8 with spatial=0 normalize every (C, D1...) position separately.
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/norm_stats.h"

namespace berth::engine {
namespace {

const char kOp[] = "BatchNormalization";

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

struct Attrs {
  float epsilon = 1e-5f;
  float momentum = 0.9f;
  bool training = false;
  bool spatial = true;
  bool legacy_outputs = false;  // opsets < 14: outputs 3 and 4 are the batch statistics
};

// X viewed as (n, channels, inner): channels are what the statistics are per.
struct Layout {
  int64_t n = 0, channels = 0, inner = 0;
};

struct DnnlPlan {
  std::optional<dnnl::batch_normalization_forward> bn;
  dnnl::memory::desc data, stats, scratchpad;
};

template <typename T>
void Normalize(const Layout& l, const T* x, const double* a, const double* b, T* y) {
  const bool parallel = l.n * l.channels * l.inner > (1 << 16);
#pragma omp parallel for collapse(2) if (parallel)
  for (int64_t i = 0; i < l.n; ++i) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const int64_t off = (i * l.channels + c) * l.inner;
      for (int64_t k = 0; k < l.inner; ++k) {
        y[off + k] = static_cast<T>(x[off + k] * a[c] + b[c]);
      }
    }
  }
}

class BatchNormKernel : public Kernel {
 public:
  explicit BatchNormKernel(Attrs attrs) : attrs_(attrs) {}

  absl::Status Compute(KernelContext& ctx) const override {
    return RunCatching(kOp, [&] { return Run(ctx); });
  }

 private:
  absl::Status Run(KernelContext& ctx) const {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->rank() < 2) return Error("X must have rank >= 2 (N, C, ...)");
    const Tensor* params[4];
    for (int i = 0; i < 4; ++i) {
      params[i] = ctx.input(i + 1);
      if (params[i] == nullptr || params[i]->dtype() != x->dtype()) {
        return Error("scale, B, mean and var are required and must have X's type");
      }
    }
    Layout l{x->dim(0), x->dim(1), x->num_elements()};
    l.inner = l.n * l.channels == 0 ? 0 : x->num_elements() / (l.n * l.channels);
    if (!attrs_.spatial) {
      l.channels *= l.inner;
      l.inner = 1;
    }
    for (const Tensor* p : params) {
      if (p->num_elements() != l.channels || (attrs_.spatial && p->rank() != 1)) {
        return Error(absl::StrCat("scale, B, mean and var must have ", l.channels,
                                  " elements for X ", ShapeToString(x->shape())));
      }
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->dtype() == DataType::kFloat) return Dispatch<float>(ctx, l, *x, params, y);
    if (x->dtype() == DataType::kDouble) return Dispatch<double>(ctx, l, *x, params, y);
    return Error("X must be float or double");
  }

  template <typename T>
  absl::Status Dispatch(KernelContext& ctx, const Layout& l, const Tensor& x,
                        const Tensor* const* params, Tensor* y) const {
    if (attrs_.training) return Train<T>(ctx, l, x, params, y);
    if (x.num_elements() == 0) return absl::OkStatus();
    if constexpr (std::is_same_v<T, float>) {
      ASSIGN_OR_RETURN(std::shared_ptr<const DnnlPlan> plan,
                       plans_.Get({l.n, l.channels, l.inner}, [&] { return MakePlan(ctx, l); }));
      if (plan->bn) return RunDnnl(ctx, *plan, x, params, y);
    }
    const T* scale = params[0]->data<T>();
    const T* bias = params[1]->data<T>();
    const T* mean = params[2]->data<T>();
    const T* var = params[3]->data<T>();
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, 2 * l.channels * sizeof(double), kOp));
    double* a = reinterpret_cast<double*>(scratch);
    double* b = a + l.channels;
    for (int64_t c = 0; c < l.channels; ++c) {
      a[c] = scale[c] / std::sqrt(static_cast<double>(var[c]) + attrs_.epsilon);
      b[c] = bias[c] - mean[c] * a[c];
    }
    Normalize<T>(l, x.data<T>(), a, b, y->data<T>());
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<DnnlPlan>> MakePlan(KernelContext& ctx, const Layout& l) const {
    auto plan = std::make_unique<DnnlPlan>();
    using dt = dnnl::memory::data_type;
    plan->data = dnnl::memory::desc({l.n, l.channels, l.inner}, dt::f32, PlainTag(3));
    plan->stats = dnnl::memory::desc({l.channels}, dt::f32, PlainTag(1));
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    auto flags = dnnl::normalization_flags::use_global_stats |
                 dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    try {
      dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, plan->data,
                                                attrs_.epsilon, flags);
      dnnl::batch_normalization_forward::primitive_desc pd(d, attr, ctx.dnnl_engine());
      plan->scratchpad = pd.scratchpad_desc();
      plan->bn.emplace(pd);
    } catch (const dnnl::error&) {
      // The direct loop serves shapes oneDNN declines.
    }
    return plan;
  }

  absl::Status RunDnnl(KernelContext& ctx, const DnnlPlan& plan, const Tensor& x,
                       const Tensor* const* params, Tensor* y) const {
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan.scratchpad.get_size(), kOp));
    dnnl::engine& engine = ctx.dnnl_engine();
    dnnl::stream& stream = ctx.dnnl_stream();
    plan.bn->execute(stream,
                     {{DNNL_ARG_SRC, WrapMemory(plan.data, engine, x.raw_data())},
                      {DNNL_ARG_DST, WrapMemory(plan.data, engine, y->raw_data())},
                      {DNNL_ARG_SCALE, WrapMemory(plan.stats, engine, params[0]->raw_data())},
                      {DNNL_ARG_SHIFT, WrapMemory(plan.stats, engine, params[1]->raw_data())},
                      {DNNL_ARG_MEAN, WrapMemory(plan.stats, engine, params[2]->raw_data())},
                      {DNNL_ARG_VARIANCE, WrapMemory(plan.stats, engine, params[3]->raw_data())},
                      {DNNL_ARG_SCRATCHPAD, dnnl::memory(plan.scratchpad, engine, scratch)}});
    stream.wait();
    return absl::OkStatus();
  }

  template <typename T>
  absl::Status Train(KernelContext& ctx, const Layout& l, const Tensor& x,
                     const Tensor* const* params, Tensor* y) const {
    if (l.n * l.inner == 0) return Error("training mode needs a non-empty batch");
    const T* scale = params[0]->data<T>();
    const T* bias = params[1]->data<T>();
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, 4 * l.channels * sizeof(double), kOp));
    double* a = reinterpret_cast<double*>(scratch);
    double* b = a + l.channels;
    double* batch_mean = b + l.channels;
    double* batch_var = batch_mean + l.channels;
    for (int64_t c = 0; c < l.channels; ++c) {
      StridedMeanVariance(x.data<T>() + c * l.inner, l.n, l.channels * l.inner, l.inner,
                          &batch_mean[c], &batch_var[c]);
      a[c] = scale[c] / std::sqrt(batch_var[c] + attrs_.epsilon);
      b[c] = bias[c] - batch_mean[c] * a[c];
    }
    Normalize<T>(l, x.data<T>(), a, b, y->data<T>());
    const double mom = attrs_.momentum;
    // Outputs 1, 2: running mean and variance; before opset 14 also 3, 4: batch statistics.
    for (int out = 1; out < ctx.num_outputs() && out <= (attrs_.legacy_outputs ? 4 : 2); ++out) {
      if (!ctx.output_wanted(out)) continue;
      const Tensor* like = params[out <= 2 ? out + 1 : out - 1];
      ASSIGN_OR_RETURN(Tensor * t, ctx.Output(out, like->shape()));
      T* o = t->data<T>();
      const T* running = like->data<T>();
      for (int64_t c = 0; c < l.channels; ++c) {
        const double batch = (out == 1 || out == 3) ? batch_mean[c] : batch_var[c];
        o[c] = static_cast<T>(out <= 2 ? running[c] * mom + batch * (1 - mom) : batch);
      }
    }
    return absl::OkStatus();
  }

  Attrs attrs_;
  ShapeCache<DnnlPlan> plans_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateBatchNorm(KernelInfo& info) {
  Attrs attrs;
  ASSIGN_OR_RETURN(attrs.epsilon, info.FloatOr("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(attrs.momentum, info.FloatOr("momentum", 0.9f));
  if (info.opset() >= 14) {
    ASSIGN_OR_RETURN(int64_t training_mode, info.IntOr("training_mode", 0));
    attrs.training = training_mode != 0;
  } else {
    attrs.legacy_outputs = true;
    for (int i = 1; i < info.num_outputs(); ++i) {
      attrs.training = attrs.training || !info.node().outputs[i].empty();
    }
  }
  if (info.opset() < 9) {
    ASSIGN_OR_RETURN(int64_t spatial, info.IntOr("spatial", 1));
    attrs.spatial = spatial != 0;
  }
  if (!(attrs.epsilon >= 0.f)) return info.Error("epsilon must be non-negative");
  return std::make_unique<BatchNormKernel>(attrs);
}

}  // namespace

absl::Status RegisterBatchNormalization(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "BatchNormalization",
                                     .since_version = 1,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateBatchNorm});
}

}  // namespace berth::engine
