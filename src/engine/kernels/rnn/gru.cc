// GRU (gates z, r, h in W, R and B):
//   zt = f(Xt*Wz^T + Ht-1*Rz^T + Wbz + Rbz)
//   rt = f(Xt*Wr^T + Ht-1*Rr^T + Wbr + Rbr)
//   ht = g(Xt*Wh^T + (rt (.) Ht-1)*Rh^T + Rbh + Wbh)       linear_before_reset = 0
//   ht = g(Xt*Wh^T + rt (.) (Ht-1*Rh^T + Rbh) + Wbh)       linear_before_reset != 0
//   Ht = (1 - zt) (.) ht + zt (.) Ht-1
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "engine/kernels/rnn/rnn_activation.h"
#include "engine/kernels/rnn/rnn_common.h"
#include "engine/kernels/rnn/rnn_kernels.h"

namespace berth::engine {
namespace {

template <typename T>
class GruKernel : public Kernel {
 public:
  GruKernel(RnnAttributes attrs, std::vector<RnnActivation> activations, bool linear_before_reset)
      : attrs_(std::move(attrs)),
        activations_(std::move(activations)),
        linear_before_reset_(linear_before_reset) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(RnnDims dims, CheckRnnInputs(ctx, attrs_, /*num_gates=*/3));
    const int64_t hidden = dims.hidden;
    const int64_t batch = dims.batch;
    const int64_t width = 3 * hidden;

    ScratchPlan plan;
    plan.Add<int64_t>(batch);                        // lengths
    plan.Add<T>(dims.seq_len * batch * width);       // X * W^T + folded biases
    plan.Add<T>(batch * width);                      // recurrent terms of one step
    plan.Add<T>(batch * hidden);                     // hidden state
    plan.Add<T>(batch * hidden);                     // rt (.) Ht-1
    plan.Add<T>(width);                              // folded biases
    void* buffer = ctx.Scratch(plan.bytes());
    if (buffer == nullptr) return absl::ResourceExhaustedError("GRU: no scratch memory");
    plan.Bind(buffer);
    int64_t* lengths = plan.Take<int64_t>(batch);
    T* xw = plan.Take<T>(dims.seq_len * batch * width);
    T* rec = plan.Take<T>(batch * width);
    T* h = plan.Take<T>(batch * hidden);
    T* reset_h = plan.Take<T>(batch * hidden);
    T* bias = plan.Take<T>(width);

    ASSIGN_OR_RETURN(int64_t max_len, ReadSequenceLengths(ctx.input(4), dims, attrs_, lengths));
    Tensor* y = nullptr;
    Tensor* y_h = nullptr;
    if (ctx.output_wanted(0)) {
      ASSIGN_OR_RETURN(y, ctx.Output(0, dims.YShape()));
      std::fill_n(y->data<T>(), y->num_elements(), T(0));
    }
    if (ctx.output_wanted(1)) {
      ASSIGN_OR_RETURN(y_h, ctx.Output(1, dims.StateShape()));
    }

    const Tensor* b_in = ctx.input(3);
    for (int dir = 0; dir < dims.num_directions; ++dir) {
      const bool reverse = attrs_.direction == RnnDirection::kReverse || dir == 1;
      const RnnActivation& f = activations_[2 * dir];
      const RnnActivation& g = activations_[2 * dir + 1];
      // Rbh can join the other biases only when it is not scaled by rt.
      const T* rb_h = nullptr;
      if (b_in != nullptr) {
        const T* wb = b_in->data<T>() + dir * 2 * width;
        const T* rb = wb + width;
        for (int64_t j = 0; j < width; ++j) bias[j] = wb[j];
        for (int64_t j = 0; j < 2 * hidden; ++j) bias[j] += rb[j];
        rb_h = rb + 2 * hidden;
        if (!linear_before_reset_) {
          for (int64_t j = 0; j < hidden; ++j) bias[2 * hidden + j] += rb_h[j];
        }
      }
      const T* w = ctx.input(1)->data<T>() + dir * width * dims.input_size;
      const T* r = ctx.input(2)->data<T>() + dir * width * hidden;
      const T* r_h = r + 2 * hidden * hidden;
      ProjectInputs(*ctx.input(0), w, b_in != nullptr ? bias : nullptr, dims, xw);
      LoadState(ctx.input(5), dir, dims, h);

      for (int64_t step = 0; step < max_len; ++step) {
        // z and r (and, before reset, the h part) from Ht-1.
        const int64_t first_cols = linear_before_reset_ ? width : 2 * hidden;
        GemmABt(batch, first_cols, hidden, h, hidden, r, hidden, rec, width, false);
        for (int64_t b = 0; b < batch; ++b) {
          if (step >= lengths[b]) continue;
          const int64_t t = reverse ? lengths[b] - 1 - step : step;
          T* zr = rec + b * width;
          const T* x_row = xw + dims.XRow(t, b) * width;
          for (int64_t j = 0; j < 2 * hidden; ++j) zr[j] += x_row[j];
          f.Apply(zr, 2 * hidden, attrs_.clip);
          const T* rt = zr + hidden;
          const T* h_prev = h + b * hidden;
          T* rh = reset_h + b * hidden;
          for (int64_t j = 0; j < hidden; ++j) rh[j] = rt[j] * h_prev[j];
        }
        if (!linear_before_reset_) {
          GemmABt(batch, hidden, hidden, reset_h, hidden, r_h, hidden, rec + 2 * hidden, width,
                  false);
        }
        for (int64_t b = 0; b < batch; ++b) {
          if (step >= lengths[b]) continue;
          const int64_t t = reverse ? lengths[b] - 1 - step : step;
          T* row = rec + b * width;
          const T* zt = row;
          const T* rt = row + hidden;
          T* ht = row + 2 * hidden;
          const T* x_h = xw + dims.XRow(t, b) * width + 2 * hidden;
          if (linear_before_reset_) {
            for (int64_t j = 0; j < hidden; ++j) {
              const T rec_h = rb_h != nullptr ? ht[j] + rb_h[j] : ht[j];
              ht[j] = x_h[j] + rt[j] * rec_h;
            }
          } else {
            for (int64_t j = 0; j < hidden; ++j) ht[j] += x_h[j];
          }
          g.Apply(ht, hidden, attrs_.clip);
          T* h_b = h + b * hidden;
          for (int64_t j = 0; j < hidden; ++j) h_b[j] = (T(1) - zt[j]) * ht[j] + zt[j] * h_b[j];
          if (y != nullptr) std::copy(h_b, h_b + hidden, y->data<T>() + dims.YOffset(t, dir, b));
        }
      }
      if (y_h != nullptr) StoreState(h, lengths, dir, dims, y_h);
    }
    return absl::OkStatus();
  }

 private:
  RnnAttributes attrs_;
  std::vector<RnnActivation> activations_;  // f, g per direction
  bool linear_before_reset_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateGru(KernelInfo& info) {
  ASSIGN_OR_RETURN(RnnAttributes attrs, ParseRnnAttributes(info));
  ASSIGN_OR_RETURN(std::vector<RnnActivation> activations,
                   ParseRnnActivations(info, attrs.num_directions, {"Sigmoid", "Tanh"}));
  int64_t linear_before_reset = 0;
  if (info.opset() >= 3) {
    ASSIGN_OR_RETURN(linear_before_reset, info.IntOr("linear_before_reset", 0));
  }
  if (info.input_type(0) == DataType::kDouble) {
    return std::make_unique<GruKernel<double>>(std::move(attrs), std::move(activations),
                                               linear_before_reset != 0);
  }
  return std::make_unique<GruKernel<float>>(std::move(attrs), std::move(activations),
                                            linear_before_reset != 0);
}

}  // namespace

absl::Status RegisterGru(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "GRU",
                            .since_version = 1,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble},
                            .factory = CreateGru});
}

}  // namespace berth::engine
