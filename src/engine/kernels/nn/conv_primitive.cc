#include "engine/kernels/nn/conv_primitive.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"

namespace berth::engine {
namespace {

using dnnl::algorithm;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

absl::StatusOr<ConvActivation> ParseActivation(const KernelInfo& info, const std::string& name) {
  if (name.empty() || name == "None") return ConvActivation::kNone;
  if (name == "Relu") return ConvActivation::kRelu;
  if (name == "LeakyRelu") return ConvActivation::kLeakyRelu;
  if (name == "Clip") return ConvActivation::kClip;
  if (name == "Sigmoid") return ConvActivation::kSigmoid;
  if (name == "Tanh") return ConvActivation::kTanh;
  if (name == "HardSigmoid") return ConvActivation::kHardSigmoid;
  if (name == "HardSwish") return ConvActivation::kHardSwish;
  if (name == "Elu") return ConvActivation::kElu;
  return info.Error(absl::StrCat("unknown activation '", name, "'"));
}

}  // namespace

absl::StatusOr<ConvFusion> ReadConvFusion(const KernelInfo& info) {
  ConvFusion f;
  ASSIGN_OR_RETURN(std::string name, info.StringOr("activation", ""));
  ASSIGN_OR_RETURN(f.activation, ParseActivation(info, name));
  switch (f.activation) {
    case ConvActivation::kLeakyRelu: {
      ASSIGN_OR_RETURN(f.alpha, info.FloatOr("alpha", 0.01f));
      break;
    }
    case ConvActivation::kElu: {
      ASSIGN_OR_RETURN(f.alpha, info.FloatOr("alpha", 1.0f));
      break;
    }
    case ConvActivation::kHardSigmoid: {
      ASSIGN_OR_RETURN(f.alpha, info.FloatOr("alpha", 0.2f));
      ASSIGN_OR_RETURN(f.beta, info.FloatOr("beta", 0.5f));
      break;
    }
    case ConvActivation::kClip: {
      const float inf = std::numeric_limits<float>::infinity();
      ASSIGN_OR_RETURN(f.alpha, info.FloatOr("min", -inf));
      ASSIGN_OR_RETURN(f.beta, info.FloatOr("max", inf));
      if (f.alpha > f.beta) return info.Error("Clip activation needs min <= max");
      break;
    }
    default:
      break;
  }
  return f;
}

void AppendFusionPostOps(const ConvFusion& fusion, dnnl::post_ops& ops) {
  if (fusion.has_sum) ops.append_sum(1.f);
  switch (fusion.activation) {
    case ConvActivation::kNone:
      break;
    case ConvActivation::kRelu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      break;
    case ConvActivation::kLeakyRelu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, fusion.alpha, 0.f);
      break;
    case ConvActivation::kClip:
      ops.append_eltwise(1.f, algorithm::eltwise_clip, fusion.alpha, fusion.beta);
      break;
    case ConvActivation::kSigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      break;
    case ConvActivation::kTanh:
      ops.append_eltwise(1.f, algorithm::eltwise_tanh, 0.f, 0.f);
      break;
    case ConvActivation::kHardSigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_linear, fusion.alpha, fusion.beta);
      ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 1.f);
      break;
    case ConvActivation::kHardSwish:
      ops.append_eltwise(1.f, algorithm::eltwise_hardswish, 0.f, 0.f);
      break;
    case ConvActivation::kElu:
      ops.append_eltwise(1.f, algorithm::eltwise_elu, fusion.alpha, 0.f);
      break;
  }
}

float ApplyActivation(const ConvFusion& fusion, float x) {
  switch (fusion.activation) {
    case ConvActivation::kNone: return x;
    case ConvActivation::kRelu: return x > 0.f ? x : 0.f;
    case ConvActivation::kLeakyRelu: return x > 0.f ? x : x * fusion.alpha;
    case ConvActivation::kClip: return std::min(std::max(x, fusion.alpha), fusion.beta);
    case ConvActivation::kSigmoid: return 1.f / (1.f + std::exp(-x));
    case ConvActivation::kTanh: return std::tanh(x);
    case ConvActivation::kHardSigmoid:
      return std::min(1.f, std::max(0.f, fusion.alpha * x + fusion.beta));
    case ConvActivation::kHardSwish: return x * std::min(1.f, std::max(0.f, x / 6.f + 0.5f));
    case ConvActivation::kElu: return x > 0.f ? x : fusion.alpha * (std::exp(x) - 1.f);
  }
  return x;
}

absl::StatusOr<ConvProblem> MakeConvProblem(const std::string& op, absl::Span<const int64_t> x,
                                            absl::Span<const int64_t> w, bool has_bias,
                                            int64_t group, const WindowAttrs& attrs) {
  auto error = [&](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": ", parts...));
  };
  if (x.size() < 3 || x.size() > 5) {
    return error("input X must have rank 3 to 5 (N, C, 1 to 3 spatial dims), got shape ",
                 ShapeToString(x));
  }
  if (w.size() != x.size()) {
    return error("weights W ", ShapeToString(w), " must have the rank of X ", ShapeToString(x));
  }
  const int64_t m = w[0];
  if (x[1] != w[1] * group || m % group != 0 || m == 0) {
    return error("X ", ShapeToString(x), " and W ", ShapeToString(w),
                 " do not match for group=", group, " (need C = W[1] * group, M % group == 0)");
  }
  absl::Span<const int64_t> kernel = w.subspan(2);
  if (!attrs.kernel_shape.empty() &&
      !std::equal(kernel.begin(), kernel.end(), attrs.kernel_shape.begin(),
                  attrs.kernel_shape.end())) {
    return error("kernel_shape does not match W's spatial dims ", ShapeToString(w));
  }
  ASSIGN_OR_RETURN(Window win, ResolveWindow(attrs, x.subspan(2), kernel, op));
  ConvProblem p;
  p.group = group;
  p.src = ToDnnlDims(x);
  p.dst = {x[0], m};
  for (int64_t o : win.out) p.dst.push_back(o);
  if (group > 1) {
    p.weights = {group, m / group, w[1]};
  } else {
    p.weights = {m, w[1]};
  }
  for (int64_t k : kernel) p.weights.push_back(k);
  if (has_bias) p.bias = {m};
  for (int i = 0; i < win.rank; ++i) {
    p.strides.push_back(win.stride[i]);
    p.dilations.push_back(win.dilation[i] - 1);
    p.pad_l.push_back(win.pad_begin[i]);
    p.pad_r.push_back(win.pad_end[i]);
  }
  return p;
}

ActivationLayout PreferredLayout(const ConvProblem& problem, const ConvFusion& fusion) {
  const size_t first_kernel_dim = problem.group > 1 ? 3 : 2;
  constexpr int64_t kMinPlainOutputSize = 100;
  bool pointwise = problem.group == 1;
  for (size_t i = first_kernel_dim; i < problem.weights.size(); ++i) {
    pointwise = pointwise && problem.weights[i] == 1;
  }
  int64_t output_size = 1;
  for (size_t i = 2; i < problem.dst.size(); ++i) output_size *= problem.dst[i];
  const bool gemm_pays = pointwise && fusion.activation == ConvActivation::kNone &&
                         output_size >= kMinPlainOutputSize;
  return gemm_pays ? ActivationLayout::kPlain : ActivationLayout::kAny;
}

dnnl::memory::desc PlainWeightsDesc(const ConvProblem& problem) {
  return dnnl::memory::desc(problem.weights, dt::f32,
                            PlainTag(static_cast<int>(problem.weights.size())));
}

dnnl::convolution_forward::primitive_desc MakeConvPrimitiveDesc(const ConvProblem& problem,
                                                                const ConvFusion& fusion,
                                                                ActivationLayout layout,
                                                                const dnnl::engine& engine) {
  const int rank = static_cast<int>(problem.src.size());
  tag act_tag = tag::any;
  if (layout == ActivationLayout::kPlain) act_tag = PlainTag(rank);
  if (layout == ActivationLayout::kChannelsLast) act_tag = ChannelsLastTag(rank);
  dnnl::memory::desc src_md(problem.src, dt::f32, act_tag);
  dnnl::memory::desc dst_md(problem.dst, dt::f32, act_tag);
  dnnl::memory::desc w_md(problem.weights, dt::f32, tag::any);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  AppendFusionPostOps(fusion, ops);
  attr.set_post_ops(ops);
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = algorithm::convolution_direct;
  if (problem.has_bias()) {
    dnnl::memory::desc b_md(problem.bias, dt::f32, tag::a);
    dnnl::convolution_forward::desc d(prop, alg, src_md, w_md, b_md, dst_md, problem.strides,
                                      problem.dilations, problem.pad_l, problem.pad_r);
    return dnnl::convolution_forward::primitive_desc(d, attr, engine);
  }
  dnnl::convolution_forward::desc d(prop, alg, src_md, w_md, dst_md, problem.strides,
                                    problem.dilations, problem.pad_l, problem.pad_r);
  return dnnl::convolution_forward::primitive_desc(d, attr, engine);
}

}  // namespace berth::engine
