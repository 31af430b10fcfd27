#include "engine/kernels/nn/qlinear_conv.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dnnl.hpp"
#include "engine/core/channels_last.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/nn/conv_primitive.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// Input positions of QLinearConv.
enum Input { kX, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kBias };

// What the factory reads once at load.
struct QConvParams {
  std::string op;
  WindowAttrs window;
  int64_t group = 1;
  bool relu = false;
  bool channels_last = false;
  bool fully_connected = false;  // berth's form: x may be [N, C] with weights [M, C, 1]
  DataType x_type = DataType::kUint8, y_type = DataType::kUint8;
  int32_t x_zp = 0, y_zp = 0;
  std::vector<float> output_scales;  // x_scale * w_scale[m] / y_scale, one or M values
  Tensor weights;                    // int8, ONNX layout (M, C/group, k...)
  std::optional<Tensor> bias;        // int32 [M]
};

struct QConvPlan {
  Shape y_shape;
  dnnl::convolution_forward conv;
  dnnl::memory::desc user_src, user_dst, src, dst, bias, scratchpad;
  std::optional<dnnl::reorder> src_reorder, dst_reorder;
  Tensor packed_weights;  // bytes in pd.weights_desc()
  dnnl::memory::desc weights;
  size_t scratchpad_off = 0, src_off = 0, dst_off = 0, scratch_bytes = 0;
};

bool IsByteType(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

int32_t ByteAt(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i];
}

std::optional<float> ConstantScalarFloat(const KernelInfo& info, int i) {
  const Tensor* t = info.constant_input(i);
  if (t == nullptr || t->dtype() != DataType::kFloat || t->num_elements() != 1) {
    return std::nullopt;
  }
  return t->data<float>()[0];
}

// Reads the load-time constants into `p`; returns the reason when the oneDNN path cannot run
// the node (empty when it can).
std::string ReadConstants(const KernelInfo& info, QConvParams& p) {
  p.x_type = info.input_type(kX);
  if (!IsByteType(p.x_type)) return "x is not uint8 or int8";
  const Tensor* w = info.constant_input(kW);
  if (w == nullptr || w->dtype() != DataType::kInt8) return "w is not a constant int8 tensor";
  if (w->rank() < 3 || w->rank() > 5 || w->dim(0) < 1) return "w must have rank 3 to 5";
  const int64_t m = w->dim(0);
  std::optional<float> xs = ConstantScalarFloat(info, kXScale);
  std::optional<float> ys = ConstantScalarFloat(info, kYScale);
  if (!xs || !ys || !(*ys > 0.f)) return "x_scale and y_scale must be constant scalars";
  const Tensor* ws = info.constant_input(kWScale);
  if (ws == nullptr || ws->dtype() != DataType::kFloat ||
      !(ws->num_elements() == 1 || (ws->rank() == 1 && ws->dim(0) == m))) {
    return "w_scale must be a constant float scalar or one per output channel";
  }
  for (int zp_input : {kXZp, kYZp}) {
    if (!info.has_input(zp_input)) continue;
    const Tensor* zp = info.constant_input(zp_input);
    if (zp == nullptr || !IsByteType(zp->dtype()) || zp->num_elements() != 1) {
      return "x_zero_point and y_zero_point must be constant 8-bit scalars";
    }
    (zp_input == kXZp ? p.x_zp : p.y_zp) = ByteAt(*zp, 0);
    if (zp_input == kYZp) p.y_type = zp->dtype();
    if (zp_input == kXZp && zp->dtype() != p.x_type) return "x_zero_point's type is not x's";
  }
  if (!info.has_input(kYZp)) p.y_type = p.x_type;
  if (info.has_input(kWZp)) {
    const Tensor* wzp = info.constant_input(kWZp);
    if (wzp == nullptr || wzp->dtype() != DataType::kInt8) return "w_zero_point is not int8";
    for (int64_t i = 0; i < wzp->num_elements(); ++i) {
      if (wzp->data<int8_t>()[i] != 0) return "w_zero_point is not 0";
    }
  }
  if (info.has_input(kBias)) {
    const Tensor* b = info.constant_input(kBias);
    if (b == nullptr || b->dtype() != DataType::kInt32 || b->rank() != 1 || b->dim(0) != m) {
      return absl::StrCat("B must be a constant int32 tensor of ", m, " values");
    }
    p.bias = b->Clone();
  }
  for (int64_t i = 0; i < ws->num_elements(); ++i) {
    p.output_scales.push_back(*xs * ws->data<float>()[i] / *ys);
  }
  p.weights = w->Clone();
  return "";
}

dt DnnlType(DataType type) {
  if (type == DataType::kInt32) return dt::s32;
  return type == DataType::kInt8 ? dt::s8 : dt::u8;
}

// ConvInteger's constants: x (0), w (1), x_zero_point (2), w_zero_point (3); the result is
// the int32 accumulator itself (output scale 1, no output zero point). uint8 weights whose
// zero point is 128 everywhere become int8 weights with zero point 0 (w - 128, exact).
std::string ReadConvIntegerConstants(const KernelInfo& info, QConvParams& p) {
  p.x_type = info.input_type(0);
  if (!IsByteType(p.x_type)) return "x is not uint8 or int8";
  const Tensor* w = info.constant_input(1);
  if (w == nullptr || !IsByteType(w->dtype())) return "w is not a constant 8-bit tensor";
  if (w->rank() < 3 || w->rank() > 5 || w->dim(0) < 1) return "w must have rank 3 to 5";
  if (info.has_input(2)) {
    const Tensor* zp = info.constant_input(2);
    if (zp == nullptr || zp->dtype() != p.x_type || zp->num_elements() != 1) {
      return "x_zero_point must be a constant scalar of x's type";
    }
    p.x_zp = ByteAt(*zp, 0);
  }
  const int32_t shift = w->dtype() == DataType::kUint8 ? 128 : 0;
  if (info.has_input(3)) {
    const Tensor* zp = info.constant_input(3);
    if (zp == nullptr || zp->dtype() != w->dtype()) return "w_zero_point is not constant";
    for (int64_t i = 0; i < zp->num_elements(); ++i) {
      if (ByteAt(*zp, i) != shift) return "w_zero_point is not 0 (int8) or 128 (uint8)";
    }
  } else if (shift != 0) {
    return "uint8 weights need the zero point 128";
  }
  p.weights = Tensor(DataType::kInt8, w->shape());
  for (int64_t i = 0; i < w->num_elements(); ++i) {
    p.weights.data<int8_t>()[i] = static_cast<int8_t>(ByteAt(*w, i) - shift);
  }
  p.y_type = DataType::kInt32;
  p.output_scales = {1.f};
  return "";
}

dnnl::memory::desc ActivationMd(const dnnl::memory::dims& dims, DataType type, bool channels_last) {
  const dt t = DnnlType(type);
  const int rank = static_cast<int>(dims.size());
  return dnnl::memory::desc(dims, t, channels_last ? ChannelsLastTag(rank) : PlainTag(rank));
}

class DnnlQLinearConvKernel : public Kernel {
 public:
  explicit DnnlQLinearConvKernel(QConvParams params) : p_(std::move(params)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    return RunCatching(p_.op, [&] { return Run(ctx); });
  }

 private:
  absl::Status Run(KernelContext& ctx) const {
    const Tensor* x = ctx.input(kX);
    if (x == nullptr) return absl::InvalidArgumentError(absl::StrCat(p_.op, ": x is required"));
    if (x->dtype() != p_.x_type) {
      return absl::InvalidArgumentError(absl::StrCat(p_.op, ": x is ", DataTypeName(x->dtype()),
                                                     ", the model says ", DataTypeName(p_.x_type)));
    }
    // A fully connected layer: [N, C] is [N, C, 1] in either layout.
    const bool fc =
        p_.fully_connected && x->rank() == 2 && p_.weights.rank() == 3 && p_.weights.dim(2) == 1;
    if (!fc && p_.channels_last && (x->rank() < 3 || x->rank() > 5)) {
      return absl::InvalidArgumentError(absl::StrCat(
          p_.op, ": channels-last x must have rank 3 to 5, got ", ShapeToString(x->shape())));
    }
    ShapeKey key(x->shape().begin(), x->shape().end());
    ASSIGN_OR_RETURN(std::shared_ptr<const QConvPlan> plan,
                     plans_.Get(key, [&] { return MakePlan(ctx, x->shape()); }));
    ASSIGN_OR_RETURN(Tensor * y, ctx.OutputWithType(0, p_.y_type, plan->y_shape));
    if (y->num_elements() == 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan->scratch_bytes, p_.op));
    dnnl::engine& engine = ctx.dnnl_engine();
    dnnl::stream& stream = ctx.dnnl_stream();
    dnnl::memory user_src = WrapMemory(plan->user_src, engine, x->raw_data());
    dnnl::memory user_dst = WrapMemory(plan->user_dst, engine, y->raw_data());
    dnnl::memory src = user_src, dst = user_dst;
    if (plan->src_reorder) {
      src = dnnl::memory(plan->src, engine, scratch + plan->src_off);
      plan->src_reorder->execute(stream, user_src, src);
    }
    if (plan->dst_reorder) dst = dnnl::memory(plan->dst, engine, scratch + plan->dst_off);
    int32_t x_zp = p_.x_zp;
    const dnnl::memory::desc zp_md({1}, dt::s32, tag::x);
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_WEIGHTS, WrapMemory(plan->weights, engine, plan->packed_weights.raw_data())},
        {DNNL_ARG_DST, dst},
        {DNNL_ARG_SCRATCHPAD,
         dnnl::memory(plan->scratchpad, engine, scratch + plan->scratchpad_off)},
    };
    if (x_zp != 0) {
      args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, WrapMemory(zp_md, engine, &x_zp));
    }
    if (p_.bias) args.emplace(DNNL_ARG_BIAS, WrapMemory(plan->bias, engine, p_.bias->raw_data()));
    plan->conv.execute(stream, args);
    if (plan->dst_reorder) plan->dst_reorder->execute(stream, dst, user_dst);
    stream.wait();
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<QConvPlan>> MakePlan(KernelContext& ctx,
                                                      const Shape& x_stored) const {
    const bool fc = p_.fully_connected && x_stored.size() == 2;
    const bool channels_last = p_.channels_last || fc;
    const Shape x_shape = fc              ? Shape{x_stored[0], x_stored[1], 1}
                          : channels_last ? ChannelsFirstShape(x_stored)
                                          : x_stored;
    ASSIGN_OR_RETURN(ConvProblem problem,
                     MakeConvProblem(p_.op, x_shape, p_.weights.shape(), p_.bias.has_value(),
                                     p_.group, p_.window));
    auto plan = std::make_unique<QConvPlan>();
    plan->y_shape = channels_last ? ChannelsLastShape(problem.dst)
                                  : Shape(problem.dst.begin(), problem.dst.end());
    if (fc) plan->y_shape = {problem.dst[0], problem.dst[1]};
    if (NumElementsOf(plan->y_shape) == 0) return plan;
    dnnl::engine& engine = ctx.dnnl_engine();
    plan->user_src = ActivationMd(problem.src, p_.x_type, channels_last);
    plan->user_dst = ActivationMd(problem.dst, p_.y_type, channels_last);
    // Plain ONNX layouts run in the layout oneDNN picks, reordered in and out; channels-last
    // is the int8 kernels' own layout, so those runs reorder nothing.
    const auto activation_md = [&](const dnnl::memory::desc& user, const dnnl::memory::dims& d,
                                   DataType t) {
      if (channels_last) return user;
      return dnnl::memory::desc(d, DnnlType(t), tag::any);
    };
    dnnl::memory::desc src_md = activation_md(plan->user_src, problem.src, p_.x_type);
    dnnl::memory::desc dst_md = activation_md(plan->user_dst, problem.dst, p_.y_type);
    dnnl::memory::desc w_md(problem.weights, dt::s8, tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_output_scales(p_.output_scales.size() > 1 ? 1 << 1 : 0, p_.output_scales);
    if (p_.x_zp != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    // The output zero point as a last post-op, y + zp before rounding: exact (zp is an
    // integer) and open to every int8 implementation, where a destination zero point
    // attribute is not.
    dnnl::post_ops ops;
    if (p_.relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    if (p_.y_zp != 0) {
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f, static_cast<float>(p_.y_zp));
    }
    attr.set_post_ops(ops);
    const auto prop = dnnl::prop_kind::forward_inference;
    const auto alg = dnnl::algorithm::convolution_direct;
    std::optional<dnnl::convolution_forward::primitive_desc> pd;
    if (p_.bias) {
      plan->bias = dnnl::memory::desc(problem.bias, dt::s32, tag::a);
      dnnl::convolution_forward::desc d(prop, alg, src_md, w_md, plan->bias, dst_md,
                                        problem.strides, problem.dilations, problem.pad_l,
                                        problem.pad_r);
      pd.emplace(d, attr, engine);
    } else {
      dnnl::convolution_forward::desc d(prop, alg, src_md, w_md, dst_md, problem.strides,
                                        problem.dilations, problem.pad_l, problem.pad_r);
      pd.emplace(d, attr, engine);
    }
    plan->conv = dnnl::convolution_forward(*pd);
    plan->src = pd->src_desc();
    plan->dst = pd->dst_desc();
    plan->weights = pd->weights_desc();
    plan->scratchpad = pd->scratchpad_desc();
    ScratchPlan scratch;
    plan->scratchpad_off = scratch.Add(plan->scratchpad.get_size());
    if (plan->src != plan->user_src) {
      plan->src_reorder =
          dnnl::reorder(dnnl::reorder::primitive_desc(engine, plan->user_src, engine, plan->src));
      plan->src_off = scratch.Add(plan->src.get_size());
    }
    if (plan->dst != plan->user_dst) {
      plan->dst_reorder =
          dnnl::reorder(dnnl::reorder::primitive_desc(engine, plan->dst, engine, plan->user_dst));
      plan->dst_off = scratch.Add(plan->dst.get_size());
    }
    plan->scratch_bytes = scratch.total();
    // The weights in the primitive's format (with the compensation oneDNN appends for int8),
    // once per input shape, from the plain copy kept since load.
    plan->packed_weights =
        Tensor(DataType::kUint8, {static_cast<int64_t>(plan->weights.get_size())});
    const dnnl::memory::desc plain(problem.weights, dt::s8,
                                   PlainTag(static_cast<int>(problem.weights.size())));
    dnnl::memory from = WrapMemory(plain, engine, p_.weights.raw_data());
    dnnl::memory to(plan->weights, engine, plan->packed_weights.raw_data());
    dnnl::reorder(from, to).execute(ctx.dnnl_stream(), from, to);
    ctx.dnnl_stream().wait();
    return plan;
  }

  QConvParams p_;
  ShapeCache<QConvPlan> plans_;
};

// The oneDNN kernel, or null with `reason` set when the node is not a case it covers.
// `accumulate` reads ConvInteger's inputs instead of QLinearConv's.
absl::StatusOr<std::unique_ptr<Kernel>> TryCreate(KernelInfo& info, std::string* reason,
                                                  bool accumulate = false) {
  QConvParams p;
  p.op = info.node().op_type;
  ASSIGN_OR_RETURN(p.window, ReadWindowAttrs(info, /*require_kernel_shape=*/false));
  ASSIGN_OR_RETURN(p.group, info.IntOr("group", 1));
  if (p.group < 1) return info.Error("group must be >= 1");
  ASSIGN_OR_RETURN(p.channels_last, ReadChannelsLast(info));
  if (info.node().domain == "berth") {
    ASSIGN_OR_RETURN(std::string activation, info.StringOr("activation", ""));
    if (!activation.empty() && activation != "Relu") {
      return info.Error(
          absl::StrCat("activation must be \"\" or \"Relu\", got \"", activation, "\""));
    }
    p.relu = activation == "Relu";
    p.fully_connected = true;
  }
  *reason = accumulate ? ReadConvIntegerConstants(info, p) : ReadConstants(info, p);
  if (!reason->empty()) return nullptr;
  if (!info.output_types().empty()) info.output_types()[0] = p.y_type;
  info.ConsumeConstantInput(accumulate ? 1 : kW);
  if (p.bias) info.ConsumeConstantInput(kBias);
  return std::make_unique<DnnlQLinearConvKernel>(std::move(p));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateBerthQLinearConv(KernelInfo& info) {
  std::string reason;
  ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, TryCreate(info, &reason));
  if (kernel == nullptr) return info.Error(reason);
  return kernel;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Kernel>> MaybeCreateDnnlQLinearConv(KernelInfo& info) {
  std::string reason;
  return TryCreate(info, &reason);
}

absl::StatusOr<std::unique_ptr<Kernel>> MaybeCreateDnnlConvInteger(KernelInfo& info) {
  std::string reason;
  return TryCreate(info, &reason, /*accumulate=*/true);
}

absl::Status RegisterBerthQLinearConv(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "berth",
                                     .op_type = "QLinearConv",
                                     .since_version = 1,
                                     .end_version = 1,
                                     .type_input = 0,
                                     .types = {DataType::kInt8, DataType::kUint8},
                                     .factory = CreateBerthQLinearConv});
}

}  // namespace berth::engine
