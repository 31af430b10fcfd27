// Det: determinants of the square matrices in the last two dims ([*, M, M] -> [*]), by LU
// decomposition with partial pivoting in double precision.
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

// Determinant of the m x m matrix in `a` (row-major), which is overwritten.
double LuDeterminant(double* a, int64_t m) {
  double det = 1.0;
  for (int64_t c = 0; c < m; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < m; ++r) {
      if (std::fabs(a[r * m + c]) > std::fabs(a[pivot * m + c])) pivot = r;
    }
    if (a[pivot * m + c] == 0.0) return 0.0;
    if (pivot != c) {
      for (int64_t j = 0; j < m; ++j) std::swap(a[c * m + j], a[pivot * m + j]);
      det = -det;
    }
    const double diag = a[c * m + c];
    det *= diag;
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = a[r * m + c] / diag;
      if (f == 0.0) continue;
      for (int64_t j = c + 1; j < m; ++j) a[r * m + j] -= f * a[c * m + j];
    }
  }
  return det;
}

class DetKernel : public Kernel {
 public:
  explicit DetKernel(std::string label) : label_(std::move(label)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input X is required");
    const int r = x->rank();
    if (r < 2 || x->dim(r - 1) != x->dim(r - 2)) {
      return NodeError(label_,
                       absl::StrCat("input must be [*, M, M], got ", ShapeToString(x->shape())));
    }
    const int64_t m = x->dim(r - 1);
    Shape out_shape(x->shape().begin(), x->shape().end() - 2);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, out_shape));
    const int64_t count = y->num_elements();
    if (count == 0) return absl::OkStatus();
    auto* work = static_cast<double*>(ctx.Scratch(std::max<int64_t>(m * m, 1) * sizeof(double)));
    if (work == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
    bool ok = VisitFloatTypes(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* in = x->data<T>();
      for (int64_t b = 0; b < count; ++b) {
        for (int64_t i = 0; i < m * m; ++i) {
          work[i] = static_cast<double>(static_cast<ComputeT<T>>(in[b * m * m + i]));
        }
        y->data<T>()[b] = static_cast<T>(static_cast<ComputeT<T>>(LuDeterminant(work, m)));
      }
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDet(KernelInfo& info) {
  return std::unique_ptr<Kernel>(new DetKernel(NodeLabel(info.node())));
}

}  // namespace

absl::Status RegisterDet(KernelRegistry& registry) {
  return registry.Register({"", "Det", 11, 21, 0, FloatTypes(), CreateDet});
}

}  // namespace berth::engine
