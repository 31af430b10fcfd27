#include "engine/kernels/nn/conv_kernel.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/core/channels_last.h"
#include "engine/kernels/dnnl_util.h"

namespace berth::engine {

// Everything prepared for one (X shape, W shape, bias present) combination.
struct ConvKernel::Plan {
  Shape y_shape;
  dnnl::convolution_forward conv;
  dnnl::memory::desc user_src, user_dst, user_weights, bias;
  dnnl::memory::desc src, dst, weights, scratchpad;
  std::optional<dnnl::reorder> src_reorder, dst_reorder, sum_reorder, weights_reorder;
  std::shared_ptr<const PackedWeights> packed;  // null for runtime weights
  size_t scratchpad_off = 0, src_off = 0, dst_off = 0, weights_off = 0, scratch_bytes = 0;
};

namespace {

absl::Status CheckFloat(const std::string& op, const Tensor* t, const char* name) {
  if (t != nullptr && t->dtype() != DataType::kFloat) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": input ", name, " must be float, got ",
                                                   DataTypeName(t->dtype())));
  }
  return absl::OkStatus();
}

dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32,
                            PlainTag(static_cast<int>(dims.size())));
}

// The caller's activation memory: plain or channels-last.
dnnl::memory::desc ActivationDesc(const dnnl::memory::dims& dims, bool channels_last) {
  if (!channels_last) return PlainDesc(dims);
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32,
                            ChannelsLastTag(static_cast<int>(dims.size())));
}

}  // namespace

ActivationLayout ConvKernel::LayoutFor(const ConvProblem& problem) const {
  if (options_.layout.has_value()) return *options_.layout;
  if (options_.channels_last) return ActivationLayout::kChannelsLast;
  return PreferredLayout(problem, options_.fusion);
}

ConvKernel::ConvKernel(ConvKernelOptions options) : options_(std::move(options)) {}
ConvKernel::~ConvKernel() = default;

absl::Status ConvKernel::PackConstantWeights(const Tensor& w) {
  RETURN_IF_ERROR(CheckFloat(options_.op, &w, "W"));
  // A representative input: oneDNN's preferred weights format rarely depends on the image
  // size, and a mismatch only costs one more reorder on first use.
  Shape x_guess = {1, w.rank() >= 2 ? w.dim(1) * options_.group : 1};
  for (int i = 2; i < w.rank(); ++i) {
    int64_t d = options_.window.dilations.empty() ? 1 : options_.window.dilations[i - 2];
    x_guess.push_back(std::max<int64_t>(32, (w.dim(i) - 1) * d + 1));
  }
  WindowAttrs attrs = options_.window;
  attrs.pads.clear();
  attrs.auto_pad = AutoPad::kNotSet;
  ASSIGN_OR_RETURN(ConvProblem problem,
                   MakeConvProblem(options_.op, x_guess, w.shape(), false, options_.group, attrs));
  return RunCatching(options_.op, [&]() -> absl::Status {
    dnnl::memory::desc plain = PlainWeightsDesc(problem);
    dnnl::memory::desc target = plain;
    try {
      target = MakeConvPrimitiveDesc(problem, options_.fusion, LayoutFor(problem), CpuEngine())
                   .weights_desc();
    } catch (const dnnl::error&) {
      // No primitive for the guess: keep the weights plain and pack per shape later.
    }
    RETURN_IF_ERROR(packed_.Init(plain, w.raw_data(), target));
    packed_shape_ = w.shape();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<ConvKernel::Plan>> ConvKernel::MakePlan(
    KernelContext& ctx, absl::Span<const int64_t> x_shape, absl::Span<const int64_t> w_shape,
    bool has_bias) const {
  ASSIGN_OR_RETURN(ConvProblem problem, MakeConvProblem(options_.op, x_shape, w_shape,
                                                        has_bias, options_.group,
                                                        options_.window));
  ConvFusion fusion = options_.fusion;
  auto plan = std::make_unique<Plan>();
  plan->y_shape = options_.channels_last ? ChannelsLastShape(problem.dst)
                                         : Shape(problem.dst.begin(), problem.dst.end());
  if (NumElementsOf(plan->y_shape) == 0) return plan;  // nothing to compute
  dnnl::engine& engine = ctx.dnnl_engine();
  auto pd = MakeConvPrimitiveDesc(problem, fusion, LayoutFor(problem), engine);
  plan->conv = dnnl::convolution_forward(pd);
  plan->user_src = ActivationDesc(problem.src, options_.channels_last);
  plan->user_dst = ActivationDesc(problem.dst, options_.channels_last);
  plan->user_weights = PlainWeightsDesc(problem);
  if (has_bias) plan->bias = PlainDesc(problem.bias);
  plan->src = pd.src_desc();
  plan->dst = pd.dst_desc();
  plan->weights = pd.weights_desc();
  plan->scratchpad = pd.scratchpad_desc();
  ScratchPlan scratch;
  plan->scratchpad_off = scratch.Add(plan->scratchpad.get_size());
  if (plan->src != plan->user_src) {
    plan->src_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
        engine, plan->user_src, engine, plan->src));
    plan->src_off = scratch.Add(plan->src.get_size());
  }
  if (plan->dst != plan->user_dst) {
    plan->dst_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
        engine, plan->dst, engine, plan->user_dst));
    if (fusion.has_sum) {
      plan->sum_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
          engine, plan->user_dst, engine, plan->dst));
    }
    plan->dst_off = scratch.Add(plan->dst.get_size());
  }
  if (!packed_.empty()) {
    plan->packed = packed_.Get(plan->weights, ctx.dnnl_stream());
  } else if (plan->weights != plan->user_weights) {
    plan->weights_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
        engine, plan->user_weights, engine, plan->weights));
    plan->weights_off = scratch.Add(plan->weights.get_size());
  }
  plan->scratch_bytes = scratch.total();
  return plan;
}

absl::Status ConvKernel::Compute(KernelContext& ctx) const {
  return RunCatching(options_.op, [&] { return Run(ctx); });
}

absl::Status ConvKernel::Run(KernelContext& ctx) const {
  const std::string& op = options_.op;
  const Tensor* x = ctx.input(0);
  const Tensor* w = ctx.input(1);
  const Tensor* b = ctx.input(2);
  const Tensor* sum = options_.sum_input >= 0 ? ctx.input(options_.sum_input) : nullptr;
  const bool packed = !packed_.empty();
  if (x == nullptr || (w == nullptr && !packed)) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": inputs X and W are required"));
  }
  // Packed weights are the constant W itself; the runtime may have freed the original.
  const Shape& w_shape = packed ? packed_shape_ : w->shape();
  RETURN_IF_ERROR(CheckFloat(op, x, "X"));
  RETURN_IF_ERROR(CheckFloat(op, w, "W"));
  RETURN_IF_ERROR(CheckFloat(op, b, "B"));
  RETURN_IF_ERROR(CheckFloat(op, sum, "Sum"));
  if (options_.fusion.has_sum != (sum != nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": the Sum input is missing"));
  }
  if (b != nullptr && (b->rank() != 1 || w_shape.empty() || b->dim(0) != w_shape[0])) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": bias B ", ShapeToString(b->shape()),
                                                   " must be 1-D with W[0] elements"));
  }
  if (options_.channels_last && (x->rank() < 3 || x->rank() > 5)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": channels-last input X must have rank 3 to 5 (N, 1 to 3 spatial dims, C), got ",
        ShapeToString(x->shape())));
  }
  const Shape x_shape = options_.channels_last ? ChannelsFirstShape(x->shape()) : x->shape();
  ShapeKey key(x->shape().begin(), x->shape().end());
  key.push_back(-1);
  key.insert(key.end(), w_shape.begin(), w_shape.end());
  key.push_back(b != nullptr ? 1 : 0);
  ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan,
                   plans_.Get(key, [&] { return MakePlan(ctx, x_shape, w_shape, b != nullptr); }));
  if (sum != nullptr && sum->shape() != plan->y_shape) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": Sum ", ShapeToString(sum->shape()),
                                                   " must have the output shape ",
                                                   ShapeToString(plan->y_shape)));
  }
  ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, plan->y_shape));
  if (y->num_elements() == 0) return absl::OkStatus();

  ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan->scratch_bytes, op));
  dnnl::engine& engine = ctx.dnnl_engine();
  dnnl::stream& stream = ctx.dnnl_stream();
  dnnl::memory user_src = WrapMemory(plan->user_src, engine, x->raw_data());
  dnnl::memory user_dst = WrapMemory(plan->user_dst, engine, y->raw_data());
  dnnl::memory src = user_src;
  if (plan->src_reorder) {
    src = dnnl::memory(plan->src, engine, scratch + plan->src_off);
    plan->src_reorder->execute(stream, user_src, src);
  }
  dnnl::memory dst = user_dst;
  if (plan->dst_reorder) dst = dnnl::memory(plan->dst, engine, scratch + plan->dst_off);
  if (sum != nullptr) {
    if (plan->sum_reorder) {
      dnnl::memory user_sum = WrapMemory(plan->user_dst, engine, sum->raw_data());
      plan->sum_reorder->execute(stream, user_sum, dst);
    } else if (sum->raw_data() != y->raw_data()) {
      std::memcpy(y->raw_data(), sum->raw_data(), y->byte_size());
    }
  }
  dnnl::memory weights;
  if (plan->packed) {
    weights = WrapMemory(plan->packed->desc, engine, plan->packed->storage.raw_data());
  } else if (plan->weights_reorder) {
    weights = dnnl::memory(plan->weights, engine, scratch + plan->weights_off);
    dnnl::memory user_weights = WrapMemory(plan->user_weights, engine, w->raw_data());
    plan->weights_reorder->execute(stream, user_weights, weights);
  } else {
    weights = WrapMemory(plan->user_weights, engine, w->raw_data());
  }
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, src},
      {DNNL_ARG_WEIGHTS, weights},
      {DNNL_ARG_DST, dst},
      {DNNL_ARG_SCRATCHPAD, dnnl::memory(plan->scratchpad, engine, scratch + plan->scratchpad_off)},
  };
  if (b != nullptr) args.emplace(DNNL_ARG_BIAS, WrapMemory(plan->bias, engine, b->raw_data()));
  plan->conv.execute(stream, args);
  if (plan->dst_reorder) plan->dst_reorder->execute(stream, dst, user_dst);
  stream.wait();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConvKernel(KernelInfo& info, ConvFusion fusion,
                                                         int sum_input) {
  ConvKernelOptions options;
  options.op = info.node().op_type;
  ASSIGN_OR_RETURN(options.window, ReadWindowAttrs(info, /*require_kernel_shape=*/false));
  ASSIGN_OR_RETURN(options.group, info.IntOr("group", 1));
  if (options.group < 1) return info.Error("group must be >= 1");
  fusion.has_sum = sum_input >= 0 && info.has_input(sum_input);
  options.fusion = fusion;
  options.sum_input = fusion.has_sum ? sum_input : -1;
  ASSIGN_OR_RETURN(options.channels_last, ReadChannelsLast(info));
  auto kernel = std::make_unique<ConvKernel>(std::move(options));
  if (const Tensor* w = info.constant_input(1)) {
    absl::Status st = kernel->PackConstantWeights(*w);
    if (!st.ok()) return info.Error(std::string(st.message()));
    info.ConsumeConstantInput(1);
  }
  return kernel;
}

}  // namespace berth::engine
