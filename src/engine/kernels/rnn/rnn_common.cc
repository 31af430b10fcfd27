#include "engine/kernels/rnn/rnn_common.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {
namespace {

absl::Status Invalid(const RnnAttributes& attrs, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(attrs.error_prefix, message));
}

// Checks that `t` has exactly `expected` as its shape and X's element type.
absl::Status CheckShape(const Tensor& t, const Shape& expected, DataType dtype, const char* name,
                        const RnnAttributes& attrs) {
  if (t.dtype() != dtype) {
    return Invalid(attrs, absl::StrCat("input ", name, " has type ", DataTypeName(t.dtype()),
                                       " but X has ", DataTypeName(dtype)));
  }
  if (t.shape() != expected) {
    return Invalid(attrs, absl::StrCat("input ", name, " has shape ", ShapeToString(t.shape()),
                                       "; expected ", ShapeToString(expected)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RnnAttributes> ParseRnnAttributes(const KernelInfo& info) {
  RnnAttributes attrs;
  attrs.error_prefix = absl::StrCat(info.node().op_type, " node '", info.node().name, "': ");
  ASSIGN_OR_RETURN(std::string direction, info.StringOr("direction", "forward"));
  if (direction == "forward") {
    attrs.direction = RnnDirection::kForward;
  } else if (direction == "reverse") {
    attrs.direction = RnnDirection::kReverse;
  } else if (direction == "bidirectional") {
    attrs.direction = RnnDirection::kBidirectional;
    attrs.num_directions = 2;
  } else {
    return info.Error(absl::StrCat("unknown direction '", direction, "'"));
  }
  ASSIGN_OR_RETURN(attrs.hidden_size, info.IntOr("hidden_size", -1));
  if (info.HasAttribute("hidden_size") && attrs.hidden_size <= 0) {
    return info.Error(absl::StrCat("hidden_size must be positive, got ", attrs.hidden_size));
  }
  if (info.opset() >= 14) {
    ASSIGN_OR_RETURN(int64_t layout, info.IntOr("layout", 0));
    if (layout != 0 && layout != 1) {
      return info.Error(absl::StrCat("layout must be 0 or 1, got ", layout));
    }
    attrs.batch_major = layout == 1;
  }
  ASSIGN_OR_RETURN(attrs.clip, info.FloatOr("clip", 0));
  if (info.HasAttribute("clip") && !(attrs.clip > 0)) {
    return info.Error(absl::StrCat("clip must be positive, got ", attrs.clip));
  }
  return attrs;
}

Shape RnnDims::YShape() const {
  if (batch_major) return {batch, seq_len, num_directions, hidden};
  return {seq_len, num_directions, batch, hidden};
}

Shape RnnDims::StateShape() const {
  if (batch_major) return {batch, num_directions, hidden};
  return {num_directions, batch, hidden};
}

absl::StatusOr<RnnDims> CheckRnnInputs(const KernelContext& ctx, const RnnAttributes& attrs,
                                       int64_t num_gates) {
  const Tensor* x = ctx.input(0);
  const Tensor* w = ctx.input(1);
  const Tensor* r = ctx.input(2);
  if (x == nullptr || w == nullptr || r == nullptr) {
    return Invalid(attrs, "inputs X, W and R are required");
  }
  if (x->rank() != 3 || w->rank() != 3 || r->rank() != 3) {
    return Invalid(attrs, absl::StrCat("X, W and R must have rank 3; got shapes ",
                                       ShapeToString(x->shape()), ", ", ShapeToString(w->shape()),
                                       ", ", ShapeToString(r->shape())));
  }
  RnnDims dims;
  dims.batch_major = attrs.batch_major;
  dims.num_gates = num_gates;
  dims.num_directions = attrs.num_directions;
  dims.seq_len = attrs.batch_major ? x->dim(1) : x->dim(0);
  dims.batch = attrs.batch_major ? x->dim(0) : x->dim(1);
  dims.input_size = x->dim(2);
  dims.hidden = r->dim(2);
  if (attrs.hidden_size > 0 && attrs.hidden_size != dims.hidden) {
    return Invalid(attrs, absl::StrCat("hidden_size is ", attrs.hidden_size, " but R has shape ",
                                       ShapeToString(r->shape())));
  }
  const int64_t d = attrs.num_directions;
  const int64_t rows = num_gates * dims.hidden;
  RETURN_IF_ERROR(CheckShape(*w, {d, rows, dims.input_size}, x->dtype(), "W", attrs));
  RETURN_IF_ERROR(CheckShape(*r, {d, rows, dims.hidden}, x->dtype(), "R", attrs));
  if (const Tensor* b = ctx.input(3)) {
    RETURN_IF_ERROR(CheckShape(*b, {d, 2 * rows}, x->dtype(), "B", attrs));
  }
  if (const Tensor* lens = ctx.input(4)) {
    if (lens->dtype() != DataType::kInt32 && lens->dtype() != DataType::kInt64) {
      return Invalid(attrs, absl::StrCat("sequence_lens must be int32, not ",
                                         DataTypeName(lens->dtype())));
    }
    if (lens->shape() != Shape{dims.batch}) {
      return Invalid(attrs, absl::StrCat("sequence_lens has shape ", ShapeToString(lens->shape()),
                                         "; expected [", dims.batch, "]"));
    }
  }
  RETURN_IF_ERROR(CheckStateInput(ctx, 5, "initial_h", dims, attrs));
  return dims;
}

absl::Status CheckStateInput(const KernelContext& ctx, int index, const char* name,
                             const RnnDims& dims, const RnnAttributes& attrs) {
  const Tensor* t = ctx.input(index);
  if (t == nullptr) return absl::OkStatus();
  return CheckShape(*t, dims.StateShape(), ctx.input(0)->dtype(), name, attrs);
}

absl::Status CheckPeepholeInput(const KernelContext& ctx, const RnnDims& dims,
                                const RnnAttributes& attrs) {
  const Tensor* p = ctx.input(7);
  if (p == nullptr) return absl::OkStatus();
  return CheckShape(*p, {dims.num_directions, 3 * dims.hidden}, ctx.input(0)->dtype(), "P",
                    attrs);
}

absl::StatusOr<int64_t> ReadSequenceLengths(const Tensor* sequence_lens, const RnnDims& dims,
                                            const RnnAttributes& attrs, int64_t* lengths) {
  int64_t max_len = 0;
  for (int64_t b = 0; b < dims.batch; ++b) {
    int64_t len = dims.seq_len;
    if (sequence_lens != nullptr) {
      len = sequence_lens->dtype() == DataType::kInt32 ? sequence_lens->data<int32_t>()[b]
                                                       : sequence_lens->data<int64_t>()[b];
    }
    if (len < 0 || len > dims.seq_len) {
      return Invalid(attrs, absl::StrCat("sequence_lens[", b, "] = ", len,
                                         " is outside [0, ", dims.seq_len, "]"));
    }
    lengths[b] = len;
    max_len = std::max(max_len, len);
  }
  return max_len;
}

template <typename T>
void GemmABt(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
             T* c, int64_t ldc, bool accumulate) {
  // Threads pay off only on large products; recurrent steps of small models stay serial.
  const bool parallel = m * n * k >= (int64_t{1} << 17);
#pragma omp parallel for collapse(2) schedule(static) if (parallel)
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const T* ai = a + i * lda;
      const T* bj = b + j * ldb;
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t p = 0; p < k; ++p) sum += ai[p] * bj[p];
      T& out = c[i * ldc + j];
      out = accumulate ? out + sum : sum;
    }
  }
}

template <typename T>
void ProjectInputs(const Tensor& x, const T* w_dir, const T* bias, const RnnDims& dims, T* xw) {
  const int64_t rows = dims.seq_len * dims.batch;
  const int64_t width = dims.num_gates * dims.hidden;
  GemmABt(rows, width, dims.input_size, x.data<T>(), dims.input_size, w_dir, dims.input_size, xw,
          width, false);
  if (bias == nullptr) return;
  for (int64_t row = 0; row < rows; ++row) {
    T* out = xw + row * width;
    for (int64_t j = 0; j < width; ++j) out[j] += bias[j];
  }
}

template <typename T>
void LoadState(const Tensor* initial, int dir, const RnnDims& dims, T* state) {
  for (int64_t b = 0; b < dims.batch; ++b) {
    T* dst = state + b * dims.hidden;
    if (initial == nullptr) {
      std::fill(dst, dst + dims.hidden, T(0));
    } else {
      const T* src = initial->data<T>() + dims.StateOffset(dir, b);
      std::copy(src, src + dims.hidden, dst);
    }
  }
}

template <typename T>
void StoreState(const T* state, const int64_t* lengths, int dir, const RnnDims& dims,
                Tensor* out) {
  for (int64_t b = 0; b < dims.batch; ++b) {
    T* dst = out->data<T>() + dims.StateOffset(dir, b);
    if (lengths[b] == 0) {
      std::fill(dst, dst + dims.hidden, T(0));
    } else {
      const T* src = state + b * dims.hidden;
      std::copy(src, src + dims.hidden, dst);
    }
  }
}

#define BERTH_RNN_COMMON_INSTANTIATE_(T)                                                     \
  template void GemmABt<T>(int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, \
                           T*, int64_t, bool);                                               \
  template void ProjectInputs<T>(const Tensor&, const T*, const T*, const RnnDims&, T*);     \
  template void LoadState<T>(const Tensor*, int, const RnnDims&, T*);                        \
  template void StoreState<T>(const T*, const int64_t*, int, const RnnDims&, Tensor*);
BERTH_RNN_COMMON_INSTANTIATE_(float)
BERTH_RNN_COMMON_INSTANTIATE_(double)
#undef BERTH_RNN_COMMON_INSTANTIATE_

}  // namespace berth::engine
