// GlobalAveragePool, GlobalMaxPool (1-21) and GlobalLpPool (1-21): one value per (N, C) plane.
// berth::GlobalAveragePool and berth::GlobalMaxPool (opset 1) are the same with the attribute
// channels_last: X is then N, spatial..., C and Y is N, 1, ..., 1, C (core/channels_last.h).
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/core/channels_last.h"
#include "engine/kernels/nn/nn_ops.h"
#include "engine/kernels/nn/pool_loops.h"
#include "engine/kernels/nn/window.h"

namespace berth::engine {
namespace {

// Channels-last average or max: y[n, c] over the `size` rows of x[n] (each of `channels`).
void GlobalPoolRows(PoolKind kind, int64_t batch, int64_t size, int64_t channels,
                    const float* x, float* y) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* rows = x + n * size * channels;
    float* out = y + n * channels;
    const float init = kind == PoolKind::kMax ? -std::numeric_limits<float>::infinity() : 0.f;
    std::fill(out, out + channels, init);
    for (int64_t r = 0; r < size; ++r) {
      const float* row = rows + r * channels;
      if (kind == PoolKind::kMax) {
        for (int64_t c = 0; c < channels; ++c) out[c] = std::max(out[c], row[c]);
      } else {
        for (int64_t c = 0; c < channels; ++c) out[c] += row[c];
      }
    }
    if (kind == PoolKind::kAverage) {
      const float scale = 1.f / static_cast<float>(size);
      for (int64_t c = 0; c < channels; ++c) out[c] *= scale;
    }
  }
}

class ChannelsLastGlobalPoolKernel : public Kernel {
 public:
  ChannelsLastGlobalPoolKernel(std::string op, PoolKind kind) : op_(std::move(op)), kind_(kind) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->rank() < 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          op_, ": channels-last input X must have rank >= 3 (N, spatial..., C)"));
    }
    if (x->dtype() != DataType::kFloat) {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": channels-last X must be float"));
    }
    Shape y_shape(x->rank(), 1);
    y_shape.front() = x->dim(0);
    y_shape.back() = x->dim(x->rank() - 1);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, y_shape));
    if (y->num_elements() == 0) return absl::OkStatus();
    const int64_t size = x->num_elements() / y->num_elements();
    if (size == 0) {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": the spatial dims are empty"));
    }
    GlobalPoolRows(kind_, x->dim(0), size, y_shape.back(), x->data<float>(), y->data<float>());
    return absl::OkStatus();
  }

 private:
  std::string op_;
  PoolKind kind_;
};

class GlobalPoolKernel : public Kernel {
 public:
  GlobalPoolKernel(std::string op, PoolKind kind, float p)
      : op_(std::move(op)), kind_(kind), p_(p) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->rank() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_, ": input X must have rank >= 2 (N, C, spatial...)"));
    }
    Shape y_shape(x->rank(), 1);
    y_shape[0] = x->dim(0);
    y_shape[1] = x->dim(1);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, y_shape));
    const int64_t planes = x->dim(0) * x->dim(1);
    if (planes == 0) return absl::OkStatus();
    const int64_t size = x->num_elements() / planes;
    if (size == 0) {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": the spatial dims are empty"));
    }
    if (x->dtype() == DataType::kFloat) {
      GlobalPoolPlanes<float>(kind_, p_, planes, size, x->data<float>(), y->data<float>());
    } else if (x->dtype() == DataType::kDouble) {
      GlobalPoolPlanes<double>(kind_, p_, planes, size, x->data<double>(), y->data<double>());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(op_, ": X must be float or double"));
    }
    return absl::OkStatus();
  }

 private:
  std::string op_;
  PoolKind kind_;
  float p_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGlobalPool(KernelInfo& info, PoolKind kind) {
  ASSIGN_OR_RETURN(bool channels_last, ReadChannelsLast(info));
  if (channels_last) {
    return std::make_unique<ChannelsLastGlobalPoolKernel>(info.node().op_type, kind);
  }
  float p = 2.f;
  if (kind == PoolKind::kLp) {
    // A float in opset 1, an int from opset 2.
    if (info.opset() < 2) {
      ASSIGN_OR_RETURN(p, info.FloatOr("p", 2.f));
    } else {
      ASSIGN_OR_RETURN(int64_t pi, info.IntOr("p", 2));
      p = static_cast<float>(pi);
    }
    if (!(p > 0.f)) return info.Error("p must be positive");
  }
  return std::make_unique<GlobalPoolKernel>(info.node().op_type, kind, p);
}

absl::Status RegisterOne(KernelRegistry& registry, const char* op, PoolKind kind,
                         bool berth_domain = false) {
  std::vector<DataType> types = {DataType::kFloat};
  if (!berth_domain) types.push_back(DataType::kDouble);
  return registry.Register(KernelDef{
      .domain = berth_domain ? "berth" : "",
      .op_type = op,
      .since_version = 1,
      .end_version = berth_domain ? 1 : 21,
      .type_input = 0,
      .types = std::move(types),
      .factory = [kind](KernelInfo& info) { return CreateGlobalPool(info, kind); }});
}

}  // namespace

absl::Status RegisterGlobalPool(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalAveragePool", PoolKind::kAverage));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalMaxPool", PoolKind::kMax));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalLpPool", PoolKind::kLp));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalAveragePool", PoolKind::kAverage, true));
  RETURN_IF_ERROR(RegisterOne(registry, "GlobalMaxPool", PoolKind::kMax, true));
  return absl::OkStatus();
}

}  // namespace berth::engine
