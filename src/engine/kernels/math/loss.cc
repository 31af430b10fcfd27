// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opsets 12 and 13).
//
// Both read class scores [N, C, d1, ...] and int32/int64 targets [N, d1, ...], with optional
// per-class weights [C] and ignore_index. reduction "none" returns per-element losses, "sum"
// their sum and "mean" their weighted mean: sum(w[t] * loss) / sum(w[t]) over targets that are
// not ignored. SoftmaxCrossEntropyLoss applies log-softmax over C first and can also return
// those log-probabilities.
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

enum class Reduction { kNone, kSum, kMean };

struct LossShape {
  int64_t n = 0, c = 0, d = 1;  // scores viewed as [n, c, d]
};

absl::StatusOr<LossShape> CheckLossShapes(absl::string_view label, const Tensor& scores,
                                          const Tensor& target, const Tensor* weight) {
  if (scores.rank() < 2) {
    return NodeError(
        label, absl::StrCat("scores must be [N, C, ...], got ", ShapeToString(scores.shape())));
  }
  Shape expected = {scores.dim(0)};
  expected.insert(expected.end(), scores.shape().begin() + 2, scores.shape().end());
  if (target.shape() != expected) {
    return NodeError(
        label, absl::StrCat("target has shape ", ShapeToString(target.shape()), " but scores ",
                            ShapeToString(scores.shape()), " need ", ShapeToString(expected)));
  }
  if (target.dtype() != DataType::kInt32 && target.dtype() != DataType::kInt64) {
    return NodeError(label, "target must be int32 or int64");
  }
  if (weight && (weight->rank() != 1 || weight->dim(0) != scores.dim(1) ||
                 weight->dtype() != scores.dtype())) {
    return NodeError(label,
                     absl::StrCat("weight must be [", scores.dim(1), "] of the scores' type"));
  }
  LossShape s;
  s.n = scores.dim(0);
  s.c = scores.dim(1);
  s.d = DimProduct(scores.shape(), 2, scores.rank());
  return s;
}

// log-softmax over the class dim of x ([n, c, d]) into y.
template <typename T>
void LogSoftmaxOverClasses(const T* x, T* y, const LossShape& s) {
  using C = ComputeT<T>;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t d = 0; d < s.d; ++d) {
      const int64_t base = n * s.c * s.d + d;
      C max = -std::numeric_limits<C>::infinity();
      for (int64_t c = 0; c < s.c; ++c) max = std::max(max, static_cast<C>(x[base + c * s.d]));
      C sum = 0;
      for (int64_t c = 0; c < s.c; ++c) sum += std::exp(static_cast<C>(x[base + c * s.d]) - max);
      const C shift = max + std::log(sum);
      for (int64_t c = 0; c < s.c; ++c) {
        y[base + c * s.d] = static_cast<T>(static_cast<C>(x[base + c * s.d]) - shift);
      }
    }
  }
}

// The loss from log-probabilities `logp` into `out` (target's shape for kNone, else one
// element).
template <typename T, typename Tgt>
absl::Status NllLoss(absl::string_view label, const T* logp, const Tgt* target, const T* weight,
                     const LossShape& s, std::optional<int64_t> ignore, Reduction reduction,
                     T* out) {
  double total = 0, weight_sum = 0;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t d = 0; d < s.d; ++d) {
      const int64_t t = static_cast<int64_t>(target[n * s.d + d]);
      double loss = 0, w = 0;
      if (!ignore || t != *ignore) {
        if (t < 0 || t >= s.c) {
          return NodeError(label, absl::StrCat("target ", t, " is outside [0, ", s.c, ")"));
        }
        w = weight ? static_cast<double>(static_cast<ComputeT<T>>(weight[t])) : 1.0;
        loss = -static_cast<double>(static_cast<ComputeT<T>>(logp[(n * s.c + t) * s.d + d])) * w;
      }
      if (reduction == Reduction::kNone) {
        out[n * s.d + d] = static_cast<T>(static_cast<ComputeT<T>>(loss));
      }
      total += loss;
      weight_sum += w;
    }
  }
  if (reduction == Reduction::kSum) out[0] = static_cast<T>(static_cast<ComputeT<T>>(total));
  if (reduction == Reduction::kMean) {
    out[0] = static_cast<T>(static_cast<ComputeT<T>>(total / weight_sum));
  }
  return absl::OkStatus();
}

class LossKernel : public Kernel {
 public:
  LossKernel(std::string label, bool softmax, Reduction reduction, std::optional<int64_t> ignore)
      : label_(std::move(label)), softmax_(softmax), reduction_(reduction), ignore_(ignore) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* scores = ctx.input(0);
    const Tensor* target = ctx.num_inputs() > 1 ? ctx.input(1) : nullptr;
    const Tensor* weight = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    if (scores == nullptr || target == nullptr) {
      return NodeError(label_, "the scores and target inputs are required");
    }
    ASSIGN_OR_RETURN(LossShape s, CheckLossShapes(label_, *scores, *target, weight));
    Shape loss_shape;
    if (reduction_ == Reduction::kNone) loss_shape = target->shape();
    ASSIGN_OR_RETURN(Tensor * loss, ctx.Output(0, loss_shape));
    absl::Status status;
    bool ok = VisitFloatTypes(scores->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* logp = scores->data<T>();
      if (softmax_) {
        T* buffer = nullptr;
        if (ctx.num_outputs() > 1 && ctx.output_wanted(1)) {
          absl::StatusOr<Tensor*> log_prob = ctx.Output(1, scores->shape());
          if (!log_prob.ok()) {
            status = log_prob.status();
            return;
          }
          buffer = (*log_prob)->template data<T>();
        } else {
          buffer = static_cast<T*>(ctx.Scratch(std::max<size_t>(scores->byte_size(), 1)));
          if (buffer == nullptr) {
            status = absl::ResourceExhaustedError(label_ + ": no scratch memory");
            return;
          }
        }
        LogSoftmaxOverClasses(scores->data<T>(), buffer, s);
        logp = buffer;
      }
      const T* w = weight ? weight->data<T>() : nullptr;
      if (target->dtype() == DataType::kInt64) {
        status = NllLoss(label_, logp, target->data<int64_t>(), w, s, ignore_, reduction_,
                         loss->data<T>());
      } else {
        status = NllLoss(label_, logp, target->data<int32_t>(), w, s, ignore_, reduction_,
                         loss->data<T>());
      }
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(scores->dtype()));
    return status;
  }

 private:
  std::string label_;
  bool softmax_;
  Reduction reduction_;
  std::optional<int64_t> ignore_;
};

KernelFactory LossFactory(bool softmax) {
  return [softmax](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    ASSIGN_OR_RETURN(std::string reduction_name, info.StringOr("reduction", "mean"));
    Reduction reduction;
    if (reduction_name == "none") {
      reduction = Reduction::kNone;
    } else if (reduction_name == "sum") {
      reduction = Reduction::kSum;
    } else if (reduction_name == "mean") {
      reduction = Reduction::kMean;
    } else {
      return info.Error(
          absl::StrCat("unknown reduction '", reduction_name, "' (expected none, sum or mean)"));
    }
    std::optional<int64_t> ignore;
    if (info.HasAttribute("ignore_index")) {
      ASSIGN_OR_RETURN(ignore, info.IntOr("ignore_index", 0));
    }
    return std::unique_ptr<Kernel>(
        new LossKernel(NodeLabel(info.node()), softmax, reduction, ignore));
  };
}

}  // namespace

absl::Status RegisterLosses(KernelRegistry& registry) {
  RETURN_IF_ERROR(registry.Register(
      {"", "NegativeLogLikelihoodLoss", 12, 21, 0, FloatTypes(), LossFactory(false)}));
  return registry.Register(
      {"", "SoftmaxCrossEntropyLoss", 12, 21, 0, FloatTypes(), LossFactory(true)});
}

}  // namespace berth::engine
