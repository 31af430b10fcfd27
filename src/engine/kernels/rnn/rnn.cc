// RNN: Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb).
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
class RnnKernel : public Kernel {
 public:
  RnnKernel(RnnAttributes attrs, std::vector<RnnActivation> activations)
      : attrs_(std::move(attrs)), activations_(std::move(activations)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(RnnDims dims, CheckRnnInputs(ctx, attrs_, /*num_gates=*/1));
    const int64_t hidden = dims.hidden;
    const int64_t batch = dims.batch;

    ScratchPlan plan;
    plan.Add<int64_t>(batch);                          // lengths
    plan.Add<T>(dims.seq_len * batch * hidden);        // X * W^T + bias
    plan.Add<T>(batch * hidden);                       // gates of one step
    plan.Add<T>(batch * hidden);                       // hidden state
    plan.Add<T>(hidden);                               // Wb + Rb
    void* buffer = ctx.Scratch(plan.bytes());
    if (buffer == nullptr) return absl::ResourceExhaustedError("RNN: no scratch memory");
    plan.Bind(buffer);
    int64_t* lengths = plan.Take<int64_t>(batch);
    T* xw = plan.Take<T>(dims.seq_len * batch * hidden);
    T* gates = plan.Take<T>(batch * hidden);
    T* h = plan.Take<T>(batch * hidden);
    T* bias = plan.Take<T>(hidden);

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
      const RnnActivation& f = activations_[dir];
      if (b_in != nullptr) {
        const T* wb = b_in->data<T>() + dir * 2 * hidden;
        for (int64_t j = 0; j < hidden; ++j) bias[j] = wb[j] + wb[hidden + j];
      }
      const T* w = ctx.input(1)->data<T>() + dir * hidden * dims.input_size;
      const T* r = ctx.input(2)->data<T>() + dir * hidden * hidden;
      ProjectInputs(*ctx.input(0), w, b_in != nullptr ? bias : nullptr, dims, xw);
      LoadState(ctx.input(5), dir, dims, h);

      for (int64_t step = 0; step < max_len; ++step) {
        GemmABt(batch, hidden, hidden, h, hidden, r, hidden, gates, hidden, false);
        for (int64_t b = 0; b < batch; ++b) {
          if (step >= lengths[b]) continue;
          const int64_t t = reverse ? lengths[b] - 1 - step : step;
          T* g = gates + b * hidden;
          const T* x_row = xw + dims.XRow(t, b) * hidden;
          for (int64_t j = 0; j < hidden; ++j) g[j] += x_row[j];
          f.Apply(g, hidden, attrs_.clip);
          std::copy(g, g + hidden, h + b * hidden);
          if (y != nullptr) std::copy(g, g + hidden, y->data<T>() + dims.YOffset(t, dir, b));
        }
      }
      if (y_h != nullptr) StoreState(h, lengths, dir, dims, y_h);
    }
    return absl::OkStatus();
  }

 private:
  RnnAttributes attrs_;
  std::vector<RnnActivation> activations_;  // one per direction
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateRnn(KernelInfo& info) {
  ASSIGN_OR_RETURN(RnnAttributes attrs, ParseRnnAttributes(info));
  ASSIGN_OR_RETURN(std::vector<RnnActivation> activations,
                   ParseRnnActivations(info, attrs.num_directions, {"Tanh"}));
  if (info.input_type(0) == DataType::kDouble) {
    return std::make_unique<RnnKernel<double>>(std::move(attrs), std::move(activations));
  }
  return std::make_unique<RnnKernel<float>>(std::move(attrs), std::move(activations));
}

}  // namespace

absl::Status RegisterRnn(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "RNN",
                            .since_version = 1,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble},
                            .factory = CreateRnn});
}

}  // namespace berth::engine
