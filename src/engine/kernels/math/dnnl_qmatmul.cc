#include "engine/kernels/math/dnnl_qmatmul.h"

#include <algorithm>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/math/dynamic_quantize.h"
#include "engine/kernels/math/quant_util.h"

namespace berth::engine {
namespace {

using dnnl::memory;
using dims = dnnl::memory::dims;

// Multiply-adds up to which the loop beats oneDNN's per-call overhead (batch-1 MLP layers).
constexpr int64_t kSmallProductWork = int64_t{1} << 16;
// The M oneDNN is asked for its preferred weight layout (which depends on K and N).
constexpr int64_t kProbeRows = 128;

size_t Align64(size_t bytes) { return (bytes + 63) / 64 * 64; }

dnnl::algorithm EltwiseFor(Activation act) {
  switch (act) {
    case Activation::kRelu:
      return dnnl::algorithm::eltwise_relu;
    case Activation::kGelu:
      return dnnl::algorithm::eltwise_gelu_erf;
    case Activation::kGeluTanh:
      return dnnl::algorithm::eltwise_gelu_tanh;
    case Activation::kTanh:
      return dnnl::algorithm::eltwise_tanh;
    case Activation::kSigmoid:
      return dnnl::algorithm::eltwise_logistic;
    case Activation::kNone:
      break;
  }
  return dnnl::algorithm::undef;
}

// acc[c] = sum_k a[k] * w[k, c] for one row.
template <typename A>
void IntegerRow(const A* a, const ShiftedWeights& w, int32_t* acc) {
  std::fill(acc, acc + w.n, 0);
  for (int64_t kk = 0; kk < w.k; ++kk) {
    const int32_t av = a[kk];
    if (av == 0) continue;
    const int8_t* wrow = w.data.data() + kk * w.n;
    for (int64_t c = 0; c < w.n; ++c) acc[c] += av * static_cast<int32_t>(wrow[c]);
  }
}

}  // namespace

absl::StatusOr<ShiftedWeights> ShiftWeightsToInt8(absl::string_view label, const Tensor& w,
                                                  const Tensor* zero_point, bool allow_residual) {
  if (w.rank() != 2 || (w.dtype() != DataType::kInt8 && w.dtype() != DataType::kUint8)) {
    return NodeError(label, absl::StrCat("weights must be 2-D int8 or uint8, not ",
                                         DataTypeName(w.dtype()), " of rank ", w.rank()));
  }
  ShiftedWeights s;
  s.k = w.dim(0);
  s.n = w.dim(1);
  if (s.k > kMaxQuantizedK || w.num_elements() > kMaxQuantizedWeightElements) {
    return NodeError(label, absl::StrCat("weights [", s.k, ", ", s.n, "] are too large"));
  }
  const int64_t zp_count = zero_point ? zero_point->num_elements() : 0;
  if (zero_point && zp_count != 1 && zp_count != s.n) {
    return NodeError(label, absl::StrCat("the weights' zero point has ", zp_count,
                                         " elements; expected 1 or ", s.n));
  }
  std::vector<int32_t> zp(s.n, 0);
  for (int64_t c = 0; zero_point && c < s.n; ++c) {
    zp[c] = ElementAsInt32(*zero_point, zp_count == 1 ? 0 : c);
  }
  const bool is_signed = w.dtype() == DataType::kInt8;
  auto value = [&](int64_t i) {
    return is_signed ? int32_t{w.data<int8_t>()[i]} : int32_t{w.data<uint8_t>()[i]};
  };
  // First choice: W - zp itself. Otherwise W moved into int8 (uint8 - 128) and the rest of
  // the zero point kept as a residue.
  std::vector<int32_t> shift = zp;
  for (int64_t i = 0; i < w.num_elements(); ++i) {
    const int32_t v = value(i) - zp[i % s.n];
    if (v >= -128 && v <= 127) continue;
    if (!allow_residual) {
      return NodeError(label, absl::StrCat("weight [", i / s.n, ", ", i % s.n,
                                           "] minus its zero point is ", v, ", outside int8"));
    }
    std::fill(shift.begin(), shift.end(), is_signed ? 0 : 128);
    s.residual_zero_point.resize(s.n);
    for (int64_t c = 0; c < s.n; ++c) s.residual_zero_point[c] = zp[c] - shift[c];
    break;
  }
  s.data.resize(w.num_elements());
  s.column_sums.assign(s.n, 0);
  for (int64_t i = 0; i < w.num_elements(); ++i) {
    const int32_t v = value(i) - shift[i % s.n];
    s.data[i] = static_cast<int8_t>(v);
    s.column_sums[i % s.n] += v;
  }
  return s;
}

DnnlQMatMul::DnnlQMatMul(std::string label, ShiftedWeights weights, const Options& options)
    : label_(std::move(label)), w_(std::move(weights)), options_(options) {
  if (SupportsDynamic(w_) && !w_.residual_zero_point.empty()) {
    row_zero_point_ = w_.residual_zero_point[0];
  }
}

bool DnnlQMatMul::SupportsDynamic(const ShiftedWeights& w) {
  const std::vector<int32_t>& rz = w.residual_zero_point;
  return std::all_of(rz.begin(), rz.end(), [&](int32_t z) { return z == rz[0]; });
}

absl::StatusOr<std::unique_ptr<DnnlQMatMul>> DnnlQMatMul::Create(std::string label,
                                                                 ShiftedWeights weights,
                                                                 const Options& options) {
  std::unique_ptr<DnnlQMatMul> mm(new DnnlQMatMul(std::move(label), std::move(weights), options));
  if (mm->w_.k > 0 && mm->w_.n > 0) RETURN_IF_ERROR(mm->Pack());
  return mm;
}

absl::Status DnnlQMatMul::Pack() {
  const int64_t k = w_.k, n = w_.n;
  try {
    const memory::desc plain({k, n}, memory::data_type::s8, memory::format_tag::ab);
    const memory::desc any({k, n}, memory::data_type::s8, memory::format_tag::any);
    // The attributes of a dynamic run (Build): oneDNN 2.6's brgemm kernels take no runtime
    // output scales, so the per-call scales come as a binary post-op.
    const memory::desc column({1, n}, memory::data_type::f32, memory::format_tag::ab);
    dnnl::post_ops ops;
    ops.append_binary(dnnl::algorithm::binary_mul, column);
    ops.append_binary(dnnl::algorithm::binary_add, column);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(
            memory::desc({kProbeRows, k}, memory::data_type::u8, memory::format_tag::ab), any,
            memory::desc({kProbeRows, n}, memory::data_type::f32, memory::format_tag::ab)),
        attr, CpuEngine());
    packed_desc_ = pd.weights_desc();
    packed_.resize(packed_desc_.get_size());
    memory src(plain, CpuEngine(), w_.data.data());
    memory dst(packed_desc_, CpuEngine(), packed_.data());
    dnnl::stream stream(CpuEngine());
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(label_, "pack the int8 weights", e);
  }
  return absl::OkStatus();
}

bool DnnlQMatMul::UseLoop(int64_t rows) const {
  return packed_.empty() || rows * w_.k * w_.n <= kSmallProductWork;
}

absl::StatusOr<DnnlQMatMul::Entry> DnnlQMatMul::Build(Mode mode, bool a_signed, int64_t rows,
                                                      bool residual) const {
  const int64_t k = w_.k, n = w_.n;
  const bool dynamic = mode == Mode::kDynamic;
  Entry e;
  e.src = memory::desc({rows, k}, a_signed ? memory::data_type::s8 : memory::data_type::u8,
                       memory::format_tag::ab);
  e.dst = memory::desc({rows, n}, dynamic ? memory::data_type::f32 : memory::data_type::s32,
                       memory::format_tag::ab);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (dynamic) {
    // dst = float(acc) * scales + shift: binary post-ops 0 and 1 (runtime output scales
    // would keep oneDNN 2.6 off its brgemm kernels).
    e.scales = memory::desc({1, n}, memory::data_type::f32, memory::format_tag::ab);
    e.shift = e.scales;
    dnnl::post_ops ops;
    ops.append_binary(dnnl::algorithm::binary_mul, e.scales);
    ops.append_binary(dnnl::algorithm::binary_add, e.shift);
    // oneDNN 2.6 takes no per-row binary operand: with a residual weight zero point the
    // per-row correction, the activation and the residual follow in RunDynamic's loop.
    auto add_residual = [&] {
      if (!residual || row_zero_point_ != 0) return;
      e.residual = memory::desc({rows, n}, memory::data_type::f32, memory::format_tag::ab);
      ops.append_binary(dnnl::algorithm::binary_add, e.residual);
    };
    if (options_.residual_before_activation) add_residual();
    if (options_.activation != Activation::kNone && row_zero_point_ == 0) {
      ops.append_eltwise(1.0f, EltwiseFor(options_.activation), 0.0f, 0.0f);
    }
    if (!options_.residual_before_activation) add_residual();
    attr.set_post_ops(ops);
  }
  try {
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(e.src, packed_desc_, e.dst), attr,
                                    CpuEngine());
    // oneDNN's reference implementation is slower than our loop.
    if (absl::StartsWith(pd.impl_info_str(), "ref")) return e;
    e.scratchpad = pd.scratchpad_desc();
    e.scratchpad_bytes = e.scratchpad.get_size();
    e.primitive = dnnl::matmul(pd);
  } catch (const dnnl::error&) {
    // No oneDNN kernel for this combination (e.g. s8 inputs against these packed weights).
  }
  return e;
}

absl::StatusOr<std::shared_ptr<const DnnlQMatMul::Entry>> DnnlQMatMul::Lookup(Mode mode,
                                                                              bool a_signed,
                                                                              int64_t rows,
                                                                              bool residual) const {
  const ShapeKey key = {mode == Mode::kDynamic ? 1 : 0, a_signed ? 1 : 0, rows, residual ? 1 : 0};
  return cache_.GetOrCreate(key, [&] { return Build(mode, a_signed, rows, residual); });
}

absl::Status DnnlQMatMul::RunDynamic(KernelContext& ctx, const float* x, int64_t rows,
                                     const float* w_scale, int64_t w_scale_count, const float* bias,
                                     int64_t bias_count, const float* residual, float* out) const {
  const int64_t k = w_.k, n = w_.n;
  if (!SupportsDynamic(w_)) {
    return absl::InternalError(label_ + ": weights with a per-column residual zero point");
  }
  if (rows == 0 || n == 0) return absl::OkStatus();
  std::shared_ptr<const Entry> entry;
  if (!UseLoop(rows)) {
    ASSIGN_OR_RETURN(entry, Lookup(Mode::kDynamic, false, rows, residual != nullptr));
    if (!entry->primitive) entry = nullptr;
  }
  const size_t q_bytes = Align64(static_cast<size_t>(rows * k));
  const size_t vec_bytes = Align64(static_cast<size_t>(n) * sizeof(float));
  const size_t tail = entry ? entry->scratchpad_bytes : vec_bytes;  // oneDNN's, or one row's sums
  const size_t row_bytes = Align64(static_cast<size_t>(rows) * sizeof(float));
  auto* base = static_cast<uint8_t*>(ctx.Scratch(q_bytes + 2 * vec_bytes + row_bytes + tail + 64));
  if (base == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
  uint8_t* xq = base;
  auto* scales = reinterpret_cast<float*>(base + q_bytes);
  auto* shift = reinterpret_cast<float*>(base + q_bytes + vec_bytes);
  auto* row_term = reinterpret_cast<float*>(base + q_bytes + 2 * vec_bytes);
  uint8_t* rest = base + q_bytes + 2 * vec_bytes + row_bytes;

  const DynamicQuantParams p = DynamicQuantize(x, rows * k, xq);
  for (int64_t c = 0; c < n; ++c) {
    scales[c] = p.scale * w_scale[w_scale_count == 1 ? 0 : c];
    const float b = bias ? bias[bias_count == 1 ? 0 : c] : 0.0f;
    shift[c] = b - scales[c] * static_cast<float>(int64_t{p.zero_point} * w_.column_sums[c]);
  }
  // A residual weight zero point z: - z * sum_k (xq[r, k] - x_zp), added before the scales.
  for (int64_t r = 0; r < rows && row_zero_point_ != 0; ++r) {
    int64_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) sum += xq[r * k + kk];
    row_term[r] = -static_cast<float>(row_zero_point_ * (sum - k * p.zero_point));
  }
  if (entry) {
    try {
      dnnl::engine& eng = ctx.dnnl_engine();
      std::unordered_map<int, memory> args;
      args.emplace(DNNL_ARG_SRC, memory(entry->src, eng, xq));
      args.emplace(DNNL_ARG_WEIGHTS,
                   memory(packed_desc_, eng, const_cast<uint8_t*>(packed_.data())));
      args.emplace(DNNL_ARG_DST, memory(entry->dst, eng, out));
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                   memory(entry->scales, eng, scales));
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1,
                   memory(entry->shift, eng, shift));
      if (residual && row_zero_point_ == 0) {
        const bool act_first =
            !options_.residual_before_activation && options_.activation != Activation::kNone;
        const int index = act_first ? 3 : 2;
        args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1,
                     memory(entry->residual, eng, const_cast<float*>(residual)));
      }
      if (entry->scratchpad_bytes > 0) {
        args.emplace(DNNL_ARG_SCRATCHPAD, memory(entry->scratchpad, eng, rest));
      }
      entry->primitive.execute(ctx.dnnl_stream(), args);
      ctx.dnnl_stream().wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(label_, "run an int8 matmul", e);
    }
    if (row_zero_point_ == 0) return absl::OkStatus();
  }
  // The product when oneDNN did not compute it, and the epilogue it could not take.
  auto* acc = reinterpret_cast<int32_t*>(rest);
  for (int64_t r = 0; r < rows; ++r) {
    if (!entry) IntegerRow(xq + r * k, w_, acc);
    float* row = out + r * n;
    const float* res = residual ? residual + r * n : nullptr;
    const float row_add = row_zero_point_ != 0 ? row_term[r] : 0.0f;
    for (int64_t c = 0; c < n; ++c) {
      float v = entry ? row[c] + scales[c] * row_add
                      : scales[c] * (static_cast<float>(acc[c]) + row_add) + shift[c];
      if (res && options_.residual_before_activation) v += res[c];
      v = ApplyActivation(options_.activation, v);
      if (res && !options_.residual_before_activation) v += res[c];
      row[c] = v;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t*> DnnlQMatMul::RunInt32(KernelContext& ctx, const void* a, DataType a_type,
                                               int64_t rows, const int32_t* a_zp,
                                               int64_t a_zp_count, int32_t* out) const {
  const int64_t k = w_.k, n = w_.n;
  const bool a_signed = a_type == DataType::kInt8;
  if (!a_signed && a_type != DataType::kUint8) {
    return NodeError(label_, "A must be uint8 or int8, not " + DataTypeName(a_type));
  }
  std::shared_ptr<const Entry> entry;
  if (rows > 0 && n > 0 && !UseLoop(rows)) {
    ASSIGN_OR_RETURN(entry, Lookup(Mode::kInt32, a_signed, rows, false));
    if (!entry->primitive) entry = nullptr;
  }
  const size_t out_bytes = out ? 0 : Align64(static_cast<size_t>(rows * n) * sizeof(int32_t));
  const size_t pad_bytes = entry ? entry->scratchpad_bytes : 0;
  uint8_t* scratch = nullptr;
  if (out_bytes + pad_bytes > 0) {
    scratch = static_cast<uint8_t*>(ctx.Scratch(out_bytes + pad_bytes));
    if (scratch == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
  }
  if (out == nullptr) out = reinterpret_cast<int32_t*>(scratch);
  if (rows == 0 || n == 0) return out;
  if (entry) {
    try {
      dnnl::engine& eng = ctx.dnnl_engine();
      std::unordered_map<int, memory> args;
      args.emplace(DNNL_ARG_SRC, memory(entry->src, eng, const_cast<void*>(a)));
      args.emplace(DNNL_ARG_WEIGHTS,
                   memory(packed_desc_, eng, const_cast<uint8_t*>(packed_.data())));
      args.emplace(DNNL_ARG_DST, memory(entry->dst, eng, out));
      if (pad_bytes > 0) {
        args.emplace(DNNL_ARG_SCRATCHPAD, memory(entry->scratchpad, eng, scratch + out_bytes));
      }
      entry->primitive.execute(ctx.dnnl_stream(), args);
      ctx.dnnl_stream().wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(label_, "run an int8 matmul", e);
    }
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      if (a_signed) {
        IntegerRow(static_cast<const int8_t*>(a) + r * k, w_, out + r * n);
      } else {
        IntegerRow(static_cast<const uint8_t*>(a) + r * k, w_, out + r * n);
      }
    }
  }
  // (A - a_zp) x (W' - rz) = A x W' - a_zp * colsum(W') - rz * rowsum(A - a_zp).
  const std::vector<int32_t>& rz = w_.residual_zero_point;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t z = a_zp ? a_zp[r % a_zp_count] : 0;
    int32_t* row = out + r * n;
    if (z != 0) {
      for (int64_t c = 0; c < n; ++c) row[c] -= z * w_.column_sums[c];
    }
    if (rz.empty()) continue;
    int64_t a_sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      a_sum += a_signed ? int64_t{static_cast<const int8_t*>(a)[r * k + kk]}
                        : int64_t{static_cast<const uint8_t*>(a)[r * k + kk]};
    }
    a_sum -= k * z;
    for (int64_t c = 0; c < n; ++c) {
      row[c] = static_cast<int32_t>(int64_t{row[c]} - int64_t{rz[c]} * a_sum);
    }
  }
  return out;
}

}  // namespace berth::engine
