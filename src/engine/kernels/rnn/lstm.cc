// LSTM (gates i, o, f, c in W, R and B; peepholes i, o, f in P):
//   it = f(Xt*Wi^T + Ht-1*Ri^T + Pi (.) Ct-1 + Wbi + Rbi)
//   ft = f(Xt*Wf^T + Ht-1*Rf^T + Pf (.) Ct-1 + Wbf + Rbf)     (1 - it with input_forget)
//   ct = g(Xt*Wc^T + Ht-1*Rc^T + Wbc + Rbc)
//   Ct = ft (.) Ct-1 + it (.) ct
//   ot = f(Xt*Wo^T + Ht-1*Ro^T + Po (.) Ct + Wbo + Rbo)
//   Ht = ot (.) h(Ct)
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
class LstmKernel : public Kernel {
 public:
  LstmKernel(RnnAttributes attrs, std::vector<RnnActivation> activations, bool input_forget)
      : attrs_(std::move(attrs)),
        activations_(std::move(activations)),
        input_forget_(input_forget) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(RnnDims dims, CheckRnnInputs(ctx, attrs_, /*num_gates=*/4));
    RETURN_IF_ERROR(CheckStateInput(ctx, 6, "initial_c", dims, attrs_));
    RETURN_IF_ERROR(CheckPeepholeInput(ctx, dims, attrs_));
    const int64_t hidden = dims.hidden;
    const int64_t batch = dims.batch;
    const int64_t width = 4 * hidden;

    ScratchPlan plan;
    plan.Add<int64_t>(batch);                   // lengths
    plan.Add<T>(dims.seq_len * batch * width);  // X * W^T + Wb + Rb
    plan.Add<T>(batch * width);                 // gates of one step
    plan.Add<T>(batch * hidden);                // hidden state
    plan.Add<T>(batch * hidden);                // cell state
    plan.Add<T>(hidden);                        // h(Ct)
    plan.Add<T>(width);                         // Wb + Rb
    void* buffer = ctx.Scratch(plan.bytes());
    if (buffer == nullptr) return absl::ResourceExhaustedError("LSTM: no scratch memory");
    plan.Bind(buffer);
    int64_t* lengths = plan.Take<int64_t>(batch);
    T* xw = plan.Take<T>(dims.seq_len * batch * width);
    T* gates = plan.Take<T>(batch * width);
    T* h = plan.Take<T>(batch * hidden);
    T* c = plan.Take<T>(batch * hidden);
    T* h_of_c = plan.Take<T>(hidden);
    T* bias = plan.Take<T>(width);

    ASSIGN_OR_RETURN(int64_t max_len, ReadSequenceLengths(ctx.input(4), dims, attrs_, lengths));
    Tensor* y = nullptr;
    Tensor* y_h = nullptr;
    Tensor* y_c = nullptr;
    if (ctx.output_wanted(0)) {
      ASSIGN_OR_RETURN(y, ctx.Output(0, dims.YShape()));
      std::fill_n(y->data<T>(), y->num_elements(), T(0));
    }
    if (ctx.output_wanted(1)) {
      ASSIGN_OR_RETURN(y_h, ctx.Output(1, dims.StateShape()));
    }
    if (ctx.output_wanted(2)) {
      ASSIGN_OR_RETURN(y_c, ctx.Output(2, dims.StateShape()));
    }

    const Tensor* b_in = ctx.input(3);
    const Tensor* p_in = ctx.input(7);
    for (int dir = 0; dir < dims.num_directions; ++dir) {
      const bool reverse = attrs_.direction == RnnDirection::kReverse || dir == 1;
      if (b_in != nullptr) {
        const T* wb = b_in->data<T>() + dir * 2 * width;
        for (int64_t j = 0; j < width; ++j) bias[j] = wb[j] + wb[width + j];
      }
      const T* peephole = p_in != nullptr ? p_in->data<T>() + dir * 3 * hidden : nullptr;
      const T* w = ctx.input(1)->data<T>() + dir * width * dims.input_size;
      const T* r = ctx.input(2)->data<T>() + dir * width * hidden;
      ProjectInputs(*ctx.input(0), w, b_in != nullptr ? bias : nullptr, dims, xw);
      LoadState(ctx.input(5), dir, dims, h);
      LoadState(ctx.input(6), dir, dims, c);

      for (int64_t step = 0; step < max_len; ++step) {
        GemmABt(batch, width, hidden, h, hidden, r, hidden, gates, width, false);
        for (int64_t b = 0; b < batch; ++b) {
          if (step >= lengths[b]) continue;
          const int64_t t = reverse ? lengths[b] - 1 - step : step;
          T* row = gates + b * width;
          const T* x_row = xw + dims.XRow(t, b) * width;
          for (int64_t j = 0; j < width; ++j) row[j] += x_row[j];
          Cell(dir, hidden, peephole, row, c + b * hidden, h_of_c, h + b * hidden);
          if (y != nullptr) {
            std::copy(h + b * hidden, h + (b + 1) * hidden,
                      y->data<T>() + dims.YOffset(t, dir, b));
          }
        }
      }
      if (y_h != nullptr) StoreState(h, lengths, dir, dims, y_h);
      if (y_c != nullptr) StoreState(c, lengths, dir, dims, y_c);
    }
    return absl::OkStatus();
  }

 private:
  // One batch entry's update: `row` holds the pre-activation gates (i, o, f, c), `c` is Ct-1 on
  // entry and Ct on return, `h` receives Ht; `h_of_c` is a temporary of `hidden` values.
  void Cell(int dir, int64_t hidden, const T* peephole, T* row, T* c, T* h_of_c, T* h) const {
    const RnnActivation& f = activations_[3 * dir];
    const RnnActivation& g = activations_[3 * dir + 1];
    const RnnActivation& h_act = activations_[3 * dir + 2];
    T* it = row;
    T* ot = row + hidden;
    T* ft = row + 2 * hidden;
    T* ct = row + 3 * hidden;
    if (peephole != nullptr) {
      const T* p_i = peephole;
      const T* p_f = peephole + 2 * hidden;
      for (int64_t j = 0; j < hidden; ++j) {
        it[j] += p_i[j] * c[j];
        ft[j] += p_f[j] * c[j];
      }
    }
    f.Apply(it, hidden, attrs_.clip);
    if (input_forget_) {
      for (int64_t j = 0; j < hidden; ++j) ft[j] = T(1) - it[j];
    } else {
      f.Apply(ft, hidden, attrs_.clip);
    }
    g.Apply(ct, hidden, attrs_.clip);
    for (int64_t j = 0; j < hidden; ++j) c[j] = ft[j] * c[j] + it[j] * ct[j];
    if (peephole != nullptr) {
      const T* p_o = peephole + hidden;
      for (int64_t j = 0; j < hidden; ++j) ot[j] += p_o[j] * c[j];
    }
    f.Apply(ot, hidden, attrs_.clip);
    std::copy(c, c + hidden, h_of_c);
    h_act.Apply(h_of_c, hidden, attrs_.clip);
    for (int64_t j = 0; j < hidden; ++j) h[j] = ot[j] * h_of_c[j];
  }

  RnnAttributes attrs_;
  std::vector<RnnActivation> activations_;  // f, g, h per direction
  bool input_forget_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateLstm(KernelInfo& info) {
  ASSIGN_OR_RETURN(RnnAttributes attrs, ParseRnnAttributes(info));
  ASSIGN_OR_RETURN(std::vector<RnnActivation> activations,
                   ParseRnnActivations(info, attrs.num_directions, {"Sigmoid", "Tanh", "Tanh"}));
  ASSIGN_OR_RETURN(int64_t input_forget, info.IntOr("input_forget", 0));
  if (info.input_type(0) == DataType::kDouble) {
    return std::make_unique<LstmKernel<double>>(std::move(attrs), std::move(activations),
                                                input_forget != 0);
  }
  return std::make_unique<LstmKernel<float>>(std::move(attrs), std::move(activations),
                                             input_forget != 0);
}

}  // namespace

absl::Status RegisterLstm(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "LSTM",
                            .since_version = 1,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble},
                            .factory = CreateLstm});
}

}  // namespace berth::engine
