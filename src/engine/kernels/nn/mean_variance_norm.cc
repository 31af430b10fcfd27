// MeanVarianceNormalization (9-21): (X - mean) / (std + 1e-9) with the statistics taken over
// `axes` (default 0, 2, 3), as ONNX's function body defines it.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/nn/dnnl_helpers.h"
#include "engine/kernels/nn/nn_ops.h"

namespace berth::engine {
namespace {

const char kOp[] = "MeanVarianceNormalization";
constexpr double kStdEpsilon = 1e-9;

absl::Status Error(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(kOp, ": ", message));
}

class MvnKernel : public Kernel {
 public:
  explicit MvnKernel(std::vector<int64_t> axes) : axes_(std::move(axes)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return Error("input X is missing");
    const int rank = x->rank();
    bool reduced[16] = {false};
    if (rank > 16) return Error("rank above 16 is not supported");
    for (int64_t a : axes_) {
      int64_t axis = a < 0 ? a + rank : a;
      if (axis < 0 || axis >= rank) {
        return Error(absl::StrCat("axis ", a, " is out of range for rank ", rank));
      }
      reduced[axis] = true;
    }
    // Each element's statistics group: its coordinates in the dims that are not reduced.
    int64_t group_stride[16] = {0};
    int64_t groups = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if (reduced[d]) continue;
      group_stride[d] = groups;
      groups *= x->dim(d);
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    if (x->num_elements() == 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(char* scratch, GetScratch(ctx, 3 * groups * sizeof(double), kOp));
    double* stats = reinterpret_cast<double*>(scratch);
    if (x->dtype() == DataType::kFloat) {
      Run<float>(*x, group_stride, groups, stats, y);
    } else if (x->dtype() == DataType::kDouble) {
      Run<double>(*x, group_stride, groups, stats, y);
    } else {
      return Error("X must be float or double");
    }
    return absl::OkStatus();
  }

 private:
  // Calls fn(flat_index, group) for every element in row-major order.
  template <typename Fn>
  static void ForEach(const Tensor& x, const int64_t* group_stride, Fn&& fn) {
    const int rank = x.rank();
    int64_t coord[16] = {0};
    int64_t group = 0;
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      fn(i, group);
      for (int d = rank - 1; d >= 0; --d) {
        group += group_stride[d];
        if (++coord[d] < x.dim(d)) break;
        group -= group_stride[d] * coord[d];
        coord[d] = 0;
      }
    }
  }

  template <typename T>
  static void Run(const Tensor& x, const int64_t* group_stride, int64_t groups, double* stats,
                  Tensor* y) {
    double* sum = stats;
    double* sq = stats + groups;
    double* count = stats + 2 * groups;
    std::fill(stats, stats + 3 * groups, 0.0);
    const T* xd = x.data<T>();
    ForEach(x, group_stride, [&](int64_t i, int64_t g) {
      sum[g] += xd[i];
      count[g] += 1;
    });
    for (int64_t g = 0; g < groups; ++g) sum[g] /= count[g];  // now the mean
    ForEach(x, group_stride, [&](int64_t i, int64_t g) {
      const double d = xd[i] - sum[g];
      sq[g] += d * d;
    });
    for (int64_t g = 0; g < groups; ++g) sq[g] = 1.0 / (std::sqrt(sq[g] / count[g]) + kStdEpsilon);
    T* yd = y->data<T>();
    ForEach(x, group_stride, [&](int64_t i, int64_t g) {
      yd[i] = static_cast<T>((xd[i] - sum[g]) * sq[g]);
    });
  }

  std::vector<int64_t> axes_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMvn(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, info.IntsOr("axes", {0, 2, 3}));
  return std::make_unique<MvnKernel>(std::move(axes));
}

}  // namespace

absl::Status RegisterMeanVarianceNormalization(KernelRegistry& registry) {
  return registry.Register(KernelDef{.domain = "",
                                     .op_type = "MeanVarianceNormalization",
                                     .since_version = 9,
                                     .end_version = 21,
                                     .type_input = 0,
                                     .types = {DataType::kFloat, DataType::kDouble},
                                     .factory = CreateMvn});
}

}  // namespace berth::engine
