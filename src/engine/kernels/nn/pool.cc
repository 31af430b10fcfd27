// MaxPool (1-21), AveragePool (1-21) and LpPool (1-21), and the channels-last forms
// berth::MaxPool and berth::AveragePool (opset 1: the latest ONNX semantics plus the
// attribute channels_last; X and Y are then N, spatial..., C, see core/channels_last.h).
//
// oneDNN's pooling_v2 (dilation-capable) runs what it can express for float, int8 and uint8;
// the direct loops of pool_loops.h run the rest: the Indices output, LpPool, double, and
// averages that count padding in a window ceil_mode extended past the padding (oneDNN would
// count the extension too). Channels-last pooling runs on oneDNN only, so those cases are
// refused there (the layout pass never converts them).
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/core/channels_last.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/pool_loops.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

// A oneDNN pooling primitive for one input shape, or nothing when oneDNN declined.
struct PoolPlan {
  Window window;
  Shape y_shape;
  std::optional<dnnl::pooling_v2_forward> pool;
  dnnl::memory::desc src, dst, scratchpad;
};

class PoolKernel : public Kernel {
 public:
  PoolKernel(std::string op, WindowAttrs window, PoolParams params, bool indices_output,
             bool channels_last)
      : op_(std::move(op)),
        window_(std::move(window)),
        params_(params),
        indices_output_(indices_output),
        channels_last_(channels_last) {}

  absl::Status Compute(KernelContext& ctx) const override {
    return RunCatching(op_, [&] { return Run(ctx); });
  }

 private:
  absl::Status Run(KernelContext& ctx) const;
  // `x_shape` is X's logical N, C, spatial... shape whatever the layout.
  absl::StatusOr<std::unique_ptr<PoolPlan>> MakePlan(KernelContext& ctx,
                                                     absl::Span<const int64_t> x_shape,
                                                     DataType type) const;
  bool DnnlCanRun(const Window& w, DataType type, bool want_indices) const;

  std::string op_;
  WindowAttrs window_;
  PoolParams params_;
  bool indices_output_;
  bool channels_last_;
  ShapeCache<PoolPlan> plans_;
};

bool PoolKernel::DnnlCanRun(const Window& w, DataType type, bool want_indices) const {
  if (want_indices || params_.kind == PoolKind::kLp) return false;
  if (params_.kind == PoolKind::kAverage && params_.count_include_pad && w.ceil_extended) {
    return false;
  }
  if (type != DataType::kFloat && type != DataType::kInt8 && type != DataType::kUint8) {
    return false;
  }
  // oneDNN wants every window to touch the input.
  for (int i = 0; i < w.rank; ++i) {
    if (w.pad_begin[i] >= w.effective_kernel(i) || w.pad_end[i] >= w.effective_kernel(i)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::unique_ptr<PoolPlan>> PoolKernel::MakePlan(
    KernelContext& ctx, absl::Span<const int64_t> x_shape, DataType type) const {
  const int rank = static_cast<int>(x_shape.size());
  if (window_.kernel_shape.size() != static_cast<size_t>(rank - 2)) {
    return absl::InvalidArgumentError(absl::StrCat(op_, ": kernel_shape has ",
                                                   window_.kernel_shape.size(),
                                                   " dims for input ", ShapeToString(x_shape)));
  }
  auto plan = std::make_unique<PoolPlan>();
  ASSIGN_OR_RETURN(plan->window,
                   ResolveWindow(window_, SpatialOf(x_shape), window_.kernel_shape, op_));
  Shape y_shape = {x_shape[0], x_shape[1]};
  for (int64_t o : plan->window.out) y_shape.push_back(o);
  plan->y_shape = channels_last_ ? ChannelsLastShape(y_shape) : y_shape;
  const bool want_indices = indices_output_ && ctx.output_wanted(1);
  if (NumElementsOf(y_shape) == 0) return plan;
  if (!DnnlCanRun(plan->window, type, want_indices)) {
    if (!channels_last_) return plan;  // the direct loops take it
    return absl::InvalidArgumentError(absl::StrCat(
        op_, ": channels-last pooling supports neither these pads (a window entirely in the "
             "padding) nor counting ceil_mode's extension as padding; input ",
        ShapeToString(x_shape)));
  }
  const Window& w = plan->window;
  dnnl::memory::dims strides, kernel, dilation, pad_l, pad_r;
  for (int i = 0; i < w.rank; ++i) {
    strides.push_back(w.stride[i]);
    kernel.push_back(w.kernel[i]);
    dilation.push_back(w.dilation[i] - 1);
    pad_l.push_back(w.pad_begin[i]);
    pad_r.push_back(w.pad_end[i]);
  }
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (params_.kind == PoolKind::kAverage) {
    alg = params_.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                    : dnnl::algorithm::pooling_avg_exclude_padding;
  }
  const auto dnnl_type = *ToDnnlType(type);
  const auto tag = channels_last_ ? ChannelsLastTag(rank) : PlainTag(rank);
  plan->src = dnnl::memory::desc(ToDnnlDims(x_shape), dnnl_type, tag);
  plan->dst = dnnl::memory::desc(ToDnnlDims(y_shape), dnnl_type, tag);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  try {
    dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, plan->src,
                                     plan->dst, strides, kernel, dilation, pad_l, pad_r);
    dnnl::pooling_v2_forward::primitive_desc pd(d, attr, ctx.dnnl_engine());
    plan->scratchpad = pd.scratchpad_desc();
    plan->pool.emplace(pd);
  } catch (const dnnl::error& e) {
    // An unsupported combination: the direct loops take it.
    if (channels_last_) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_, ": oneDNN has no channels-last pooling for input ",
                       ShapeToString(x_shape), ": ", e.what()));
    }
  }
  return plan;
}

absl::Status PoolKernel::Run(KernelContext& ctx) const {
  const Tensor* x = ctx.input(0);
  if (x == nullptr) return absl::InvalidArgumentError(absl::StrCat(op_, ": input X is missing"));
  if (x->rank() < 3 || x->rank() > 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        op_, ": input must have rank 3 to 5 (N, C and 1 to 3 spatial dims), got ",
        ShapeToString(x->shape())));
  }
  ShapeKey key(x->shape().begin(), x->shape().end());
  const bool want_indices = indices_output_ && ctx.output_wanted(1);
  key.push_back(want_indices);
  const Shape x_shape = channels_last_ ? ChannelsFirstShape(x->shape()) : x->shape();
  ASSIGN_OR_RETURN(std::shared_ptr<const PoolPlan> plan,
                   plans_.Get(key, [&] { return MakePlan(ctx, x_shape, x->dtype()); }));
  ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, plan->y_shape));
  Tensor* indices = nullptr;
  if (want_indices) {
    ASSIGN_OR_RETURN(indices, ctx.Output(1, plan->y_shape));
  }
  if (y->num_elements() == 0) return absl::OkStatus();
  if (plan->pool) {
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan->scratchpad.get_size(), op_));
    dnnl::engine& engine = ctx.dnnl_engine();
    dnnl::stream& stream = ctx.dnnl_stream();
    plan->pool->execute(stream, {{DNNL_ARG_SRC, WrapMemory(plan->src, engine, x->raw_data())},
                                 {DNNL_ARG_DST, WrapMemory(plan->dst, engine, y->raw_data())},
                                 {DNNL_ARG_SCRATCHPAD,
                                  dnnl::memory(plan->scratchpad, engine, scratch)}});
    stream.wait();
    return absl::OkStatus();
  }
  const int64_t planes = x->dim(0) * x->dim(1);
  int64_t* idx = indices != nullptr ? indices->data<int64_t>() : nullptr;
  bool known = VisitNumericType(x->dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
      PoolPlanes<T>(params_, plan->window, planes, x->data<T>(), y->data<T>(), idx);
    }
  });
  if (!known) return absl::InvalidArgumentError(absl::StrCat(op_, ": unsupported input type"));
  return absl::OkStatus();
}

// Reads the p attribute: a float in opset 1, an int from opset 2.
absl::StatusOr<float> ReadP(const KernelInfo& info) {
  if (info.opset() < 2) return info.FloatOr("p", 2.f);
  ASSIGN_OR_RETURN(int64_t p, info.IntOr("p", 2));
  return static_cast<float>(p);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreatePool(KernelInfo& info, PoolKind kind) {
  ASSIGN_OR_RETURN(WindowAttrs window, ReadWindowAttrs(info, /*require_kernel_shape=*/true));
  PoolParams params;
  params.kind = kind;
  ASSIGN_OR_RETURN(int64_t count_include_pad, info.IntOr("count_include_pad", 0));
  params.count_include_pad = count_include_pad != 0;
  ASSIGN_OR_RETURN(params.storage_order, info.IntOr("storage_order", 0));
  if (params.storage_order != 0 && params.storage_order != 1) {
    return info.Error("storage_order must be 0 or 1");
  }
  if (kind == PoolKind::kLp) {
    ASSIGN_OR_RETURN(params.p, ReadP(info));
    if (!(params.p > 0.f)) return info.Error("p must be positive");
  }
  bool indices_output = kind == PoolKind::kMax && info.num_outputs() > 1;
  if (indices_output) info.output_types()[1] = DataType::kInt64;
  ASSIGN_OR_RETURN(bool channels_last, ReadChannelsLast(info));
  if (channels_last && indices_output) {
    return info.Error("a channels-last MaxPool has no Indices output");
  }
  return std::make_unique<PoolKernel>(info.node().op_type, std::move(window), params,
                                      indices_output, channels_last);
}

absl::Status RegisterPoolDef(KernelRegistry& registry, const char* op, int since, int end,
                             std::vector<DataType> types, PoolKind kind,
                             const char* domain = "") {
  return registry.Register(KernelDef{
      .domain = domain,
      .op_type = op,
      .since_version = since,
      .end_version = end,
      .type_input = 0,
      .types = std::move(types),
      .factory = [kind](KernelInfo& info) { return CreatePool(info, kind); }});
}

}  // namespace

absl::Status RegisterPool(KernelRegistry& registry) {
  const std::vector<DataType> kFloats = {DataType::kFloat, DataType::kDouble};
  RETURN_IF_ERROR(RegisterPoolDef(registry, "MaxPool", 1, 21, kFloats, PoolKind::kMax));
  RETURN_IF_ERROR(RegisterPoolDef(registry, "MaxPool", 12, 21,
                                  {DataType::kInt8, DataType::kUint8}, PoolKind::kMax));
  RETURN_IF_ERROR(RegisterPoolDef(registry, "AveragePool", 1, 21, kFloats, PoolKind::kAverage));
  RETURN_IF_ERROR(RegisterPoolDef(registry, "LpPool", 1, 21, kFloats, PoolKind::kLp));
  const std::vector<DataType> kFloat = {DataType::kFloat};
  RETURN_IF_ERROR(RegisterPoolDef(registry, "MaxPool", 1, 1, kFloat, PoolKind::kMax, "berth"));
  // The QDQ pass runs quantized MaxPools on their 8-bit values, channels-last.
  RETURN_IF_ERROR(RegisterPoolDef(registry, "MaxPool", 1, 1, {DataType::kInt8, DataType::kUint8},
                                  PoolKind::kMax, "berth"));
  RETURN_IF_ERROR(
      RegisterPoolDef(registry, "AveragePool", 1, 1, kFloat, PoolKind::kAverage, "berth"));
  return absl::OkStatus();
}

}  // namespace berth::engine
