// ConvTranspose (opsets 1-21, float) on oneDNN's deconvolution_forward.
//
// ONNX lets pads be negative in effect (output_shape larger than the natural output, or
// output_padding): the natural result is then computed by oneDNN into a buffer and embedded
// in the output, whose uncovered positions hold the bias alone.
#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/packed_weights.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
const char kOp[] = "ConvTranspose";

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Attrs {
  WindowAttrs window;
  int64_t group = 1;
  std::vector<int64_t> output_padding, output_shape;
};

struct Plan {
  Shape y_shape;
  bool covered = true;  // false: no output position sees the input; Y is the bias alone
  bool embed = false;   // the natural result is a sub-block of Y
  int64_t block[3] = {1, 1, 1}, offset[3] = {0, 0, 0}, out[3] = {1, 1, 1};
  dnnl::deconvolution_forward deconv;
  dnnl::memory::desc src, dst, user_weights, weights, bias, scratchpad;
  std::optional<dnnl::reorder> weights_reorder;
  std::shared_ptr<const PackedWeights> packed;
  size_t scratchpad_off = 0, dst_off = 0, weights_off = 0, scratch_bytes = 0;
};

dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims) {
  return dnnl::memory::desc(dims, dt::f32, PlainTag(static_cast<int>(dims.size())));
}

// ONNX weights (C, M/group, K...) as oneDNN's (O, I, K...) or (G, O/G, I/G, K...).
dnnl::memory::desc UserWeightsDesc(const dnnl::memory::dims& dims, bool grouped) {
  static const tag kUngrouped[] = {tag::bac, tag::bacd, tag::bacde};
  static const tag kGrouped[] = {tag::acbd, tag::acbde, tag::acbdef};
  int spatial = static_cast<int>(dims.size()) - (grouped ? 3 : 2);
  return dnnl::memory::desc(dims, dt::f32, (grouped ? kGrouped : kUngrouped)[spatial - 1]);
}

// oneDNN's weights dims for ONNX weights W (C, M/group, K...).
dnnl::memory::dims WeightsDims(absl::Span<const int64_t> w, int64_t group) {
  const int64_t c = w[0], m = w[1] * group;
  dnnl::memory::dims dims = group > 1 ? dnnl::memory::dims{group, m / group, c / group}
                                      : dnnl::memory::dims{m, c};
  dims.insert(dims.end(), w.begin() + 2, w.end());
  return dims;
}

class ConvTransposeKernel : public Kernel {
 public:
  explicit ConvTransposeKernel(Attrs attrs) : attrs_(std::move(attrs)) {}

  absl::Status PackConstantWeights(const Tensor& w) {
    // Weights that cannot work are left for Compute to report.
    if (w.dtype() != DataType::kFloat || w.rank() < 3 || w.rank() > 5 ||
        w.dim(0) % attrs_.group != 0 || w.num_elements() == 0) {
      return absl::OkStatus();
    }
    dnnl::memory::desc plain = UserWeightsDesc(WeightsDims(w.shape(), attrs_.group),
                                               attrs_.group > 1);
    RETURN_IF_ERROR(packed_.Init(plain, w.raw_data(), plain));
    packed_shape_ = w.shape();
    return absl::OkStatus();
  }

  bool packed() const { return !packed_.empty(); }

  absl::Status Compute(KernelContext& ctx) const override {
    return RunCatching(kOp, [&] { return Run(ctx); });
  }

 private:
  absl::StatusOr<std::unique_ptr<Plan>> MakePlan(KernelContext& ctx, const Tensor& x,
                                                 absl::Span<const int64_t> w,
                                                 bool has_bias) const;
  absl::Status Run(KernelContext& ctx) const;

  Attrs attrs_;
  PackedWeightsCache packed_;
  Shape packed_shape_;  // W's shape when packed_ holds it
  ShapeCache<Plan> plans_;
};

absl::StatusOr<std::unique_ptr<Plan>> ConvTransposeKernel::MakePlan(
    KernelContext& ctx, const Tensor& x, absl::Span<const int64_t> w, bool has_bias) const {
  auto error = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", parts...));
  };
  const int rank = x.rank() - 2;
  const int64_t g = attrs_.group;
  if (rank < 1 || rank > 3 || static_cast<int>(w.size()) != x.rank()) {
    return error("X ", ShapeToString(x.shape()), " and W ", ShapeToString(w),
                 " must both have rank 3 to 5");
  }
  if (w[0] != x.dim(1) || x.dim(1) % g != 0 || w[1] == 0) {
    return error("W ", ShapeToString(w), " does not match X ", ShapeToString(x.shape()),
                 " with group=", g, " (need W[0] = C, C % group == 0)");
  }
  const WindowAttrs& wa = attrs_.window;
  if (!wa.kernel_shape.empty() &&
      wa.kernel_shape != std::vector<int64_t>(w.begin() + 2, w.end())) {
    return error("kernel_shape does not match W's spatial dims");
  }
  auto rank_ok = [](const std::vector<int64_t>& v, size_t n) {
    return v.empty() || v.size() == n;
  };
  const std::vector<int64_t>& os = attrs_.output_shape;
  size_t os_skip = os.size() == static_cast<size_t>(rank) + 2 ? 2 : 0;
  if (!rank_ok(wa.strides, rank) || !rank_ok(wa.dilations, rank) ||
      !rank_ok(wa.pads, 2 * rank) || !rank_ok(attrs_.output_padding, rank) ||
      !(os.empty() || os.size() - os_skip == static_cast<size_t>(rank))) {
    return error("attribute lengths do not match the ", rank, " spatial dims of X");
  }
  auto plan = std::make_unique<Plan>();
  const int64_t m = w[1] * g;
  plan->y_shape = {x.dim(0), m};
  dnnl::memory::dims strides, dilations, pad_l, pad_r, dst = {x.dim(0), m};
  for (int i = 0; i < rank; ++i) {
    int64_t in = x.dim(2 + i), k = w[2 + i];
    int64_t s = wa.strides.empty() ? 1 : wa.strides[i];
    int64_t d = wa.dilations.empty() ? 1 : wa.dilations[i];
    int64_t op = attrs_.output_padding.empty() ? 0 : attrs_.output_padding[i];
    if (op < 0 || (op >= s && op >= d)) {
      return error("output_padding must be non-negative and less than stride or dilation");
    }
    int64_t natural = s * (in - 1) + (k - 1) * d + 1;  // before padding and output_padding
    int64_t pb = 0, out = 0;
    bool auto_split = wa.auto_pad == AutoPad::kSameUpper || wa.auto_pad == AutoPad::kSameLower;
    if (!os.empty() || auto_split) {
      out = !os.empty() ? os[os_skip + i] : in * s;
      int64_t total = natural + op - out;
      pb = wa.auto_pad == AutoPad::kSameUpper ? FloorDiv(total, 2) : total - FloorDiv(total, 2);
    } else if (wa.auto_pad == AutoPad::kValid || wa.pads.empty()) {
      out = natural + op;
    } else {
      pb = wa.pads[i];
      out = natural + op - wa.pads[i] - wa.pads[rank + i];
    }
    if (out <= 0) return error("the output would be empty in spatial dim ", i);
    plan->y_shape.push_back(out);
    // The part of the natural result that lands inside Y: natural positions [lo, hi).
    int64_t lo = std::max<int64_t>(pb, 0), hi = std::min(natural, pb + out);
    if (hi <= lo) plan->covered = false;
    int j = 3 - rank + i;
    plan->block[j] = hi - lo;
    plan->offset[j] = lo - pb;
    plan->out[j] = out;
    plan->embed = plan->embed || lo != pb || hi != pb + out;
    strides.push_back(s);
    dilations.push_back(d - 1);
    pad_l.push_back(lo);
    pad_r.push_back(natural - hi);
    dst.push_back(hi - lo);
  }
  if (!plan->covered || NumElementsOf(plan->y_shape) == 0) return plan;
  dnnl::engine& engine = ctx.dnnl_engine();
  dnnl::memory::dims w_dims = WeightsDims(w, g);
  plan->src = PlainDesc(ToDnnlDims(x.shape()));
  plan->dst = PlainDesc(dst);
  plan->user_weights = UserWeightsDesc(w_dims, g > 1);
  dnnl::memory::desc w_any(w_dims, dt::f32, tag::any);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::deconvolution_direct;
  dnnl::deconvolution_forward::primitive_desc pd;
  if (has_bias) {
    plan->bias = PlainDesc({m});
    dnnl::deconvolution_forward::desc d(prop, alg, plan->src, w_any, plan->bias, plan->dst,
                                        strides, dilations, pad_l, pad_r);
    pd = dnnl::deconvolution_forward::primitive_desc(d, attr, engine);
  } else {
    dnnl::deconvolution_forward::desc d(prop, alg, plan->src, w_any, plan->dst, strides,
                                        dilations, pad_l, pad_r);
    pd = dnnl::deconvolution_forward::primitive_desc(d, attr, engine);
  }
  plan->deconv = dnnl::deconvolution_forward(pd);
  plan->weights = pd.weights_desc();
  plan->scratchpad = pd.scratchpad_desc();
  ScratchPlan scratch;
  plan->scratchpad_off = scratch.Add(plan->scratchpad.get_size());
  if (plan->embed) plan->dst_off = scratch.Add(plan->dst.get_size());
  if (!packed_.empty()) {
    plan->packed = packed_.Get(plan->weights, ctx.dnnl_stream());
  } else if (plan->weights != plan->user_weights) {
    plan->weights_reorder = dnnl::reorder(
        dnnl::reorder::primitive_desc(engine, plan->user_weights, engine, plan->weights));
    plan->weights_off = scratch.Add(plan->weights.get_size());
  }
  plan->scratch_bytes = scratch.total();
  return plan;
}

// Writes the bias (or zeros) everywhere in Y and copies the natural block at its offset.
void EmbedBlock(const Plan& plan, const float* block, const float* bias, float* y) {
  const int64_t n = plan.y_shape[0], m = plan.y_shape[1];
  const int64_t* o = plan.out;
  const int64_t* b = plan.block;
  for (int64_t nc = 0; nc < n * m; ++nc) {
    float* yc = y + nc * o[0] * o[1] * o[2];
    std::fill(yc, yc + o[0] * o[1] * o[2], bias ? bias[nc % m] : 0.f);
    if (!plan.covered) continue;
    const float* bc = block + nc * b[0] * b[1] * b[2];
    for (int64_t i0 = 0; i0 < b[0]; ++i0) {
      for (int64_t i1 = 0; i1 < b[1]; ++i1) {
        const float* row = bc + (i0 * b[1] + i1) * b[2];
        float* dst = yc + ((i0 + plan.offset[0]) * o[1] + i1 + plan.offset[1]) * o[2] +
                     plan.offset[2];
        std::memcpy(dst, row, b[2] * sizeof(float));
      }
    }
  }
}

absl::Status ConvTransposeKernel::Run(KernelContext& ctx) const {
  const Tensor* x = ctx.input(0);
  const Tensor* w = ctx.input(1);
  const Tensor* b = ctx.input(2);
  if (x == nullptr || (w == nullptr && !packed())) {
    return absl::InvalidArgumentError("ConvTranspose: inputs X and W are required");
  }
  // Packed weights are the constant W itself; the runtime may have freed the original.
  const Shape& w_shape = packed() ? packed_shape_ : w->shape();
  for (const Tensor* t : {x, w, b}) {
    if (t != nullptr && t->dtype() != DataType::kFloat) {
      return absl::InvalidArgumentError("ConvTranspose: X, W and B must be float");
    }
  }
  if (b != nullptr &&
      (b->rank() != 1 || w_shape.size() < 2 || b->dim(0) != w_shape[1] * attrs_.group)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ConvTranspose: bias B ", ShapeToString(b->shape()), " must be 1-D with M elements"));
  }
  ShapeKey key(x->shape().begin(), x->shape().end());
  key.push_back(-1);
  key.insert(key.end(), w_shape.begin(), w_shape.end());
  key.push_back(b != nullptr);
  ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan,
                   plans_.Get(key, [&] { return MakePlan(ctx, *x, w_shape, b != nullptr); }));
  ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, plan->y_shape));
  if (y->num_elements() == 0) return absl::OkStatus();
  const float* bias = b != nullptr ? b->data<float>() : nullptr;
  if (!plan->covered) {
    EmbedBlock(*plan, nullptr, bias, y->data<float>());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, plan->scratch_bytes, kOp));
  dnnl::engine& engine = ctx.dnnl_engine();
  dnnl::stream& stream = ctx.dnnl_stream();
  void* dst_data = plan->embed ? static_cast<void*>(scratch + plan->dst_off) : y->raw_data();
  dnnl::memory weights;
  if (plan->packed) {
    weights = WrapMemory(plan->packed->desc, engine, plan->packed->storage.raw_data());
  } else if (plan->weights_reorder) {
    weights = dnnl::memory(plan->weights, engine, scratch + plan->weights_off);
    dnnl::memory user = WrapMemory(plan->user_weights, engine, w->raw_data());
    plan->weights_reorder->execute(stream, user, weights);
  } else {
    weights = WrapMemory(plan->user_weights, engine, w->raw_data());
  }
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, WrapMemory(plan->src, engine, x->raw_data())},
      {DNNL_ARG_WEIGHTS, weights},
      {DNNL_ARG_DST, dnnl::memory(plan->dst, engine, dst_data)},
      {DNNL_ARG_SCRATCHPAD, dnnl::memory(plan->scratchpad, engine, scratch + plan->scratchpad_off)},
  };
  if (b != nullptr) args.emplace(DNNL_ARG_BIAS, WrapMemory(plan->bias, engine, b->raw_data()));
  plan->deconv.execute(stream, args);
  stream.wait();
  if (plan->embed) {
    EmbedBlock(*plan, static_cast<const float*>(dst_data), bias, y->data<float>());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConvTranspose(KernelInfo& info) {
  Attrs attrs;
  ASSIGN_OR_RETURN(attrs.window, ReadWindowAttrs(info, /*require_kernel_shape=*/false));
  ASSIGN_OR_RETURN(attrs.group, info.IntOr("group", 1));
  ASSIGN_OR_RETURN(attrs.output_padding, info.IntsOr("output_padding", {}));
  ASSIGN_OR_RETURN(attrs.output_shape, info.IntsOr("output_shape", {}));
  if (attrs.group < 1) return info.Error("group must be >= 1");
  if (attrs.window.ceil_mode) return info.Error("ConvTranspose has no ceil_mode");
  auto kernel = std::make_unique<ConvTransposeKernel>(std::move(attrs));
  if (const Tensor* w = info.constant_input(1)) {
    absl::Status st = kernel->PackConstantWeights(*w);
    if (!st.ok()) return info.Error(std::string(st.message()));
    if (kernel->packed()) info.ConsumeConstantInput(1);
  }
  return kernel;
}

}  // namespace

absl::Status RegisterConvTranspose(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "ConvTranspose",
                                     .since_version = 1,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat},
                                     .factory = CreateConvTranspose});
}

}  // namespace berth::engine
