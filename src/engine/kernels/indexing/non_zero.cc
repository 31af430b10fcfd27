// NonZero (opsets 9-21): the coordinates of X's non-zero elements, as an int64 tensor of
// shape [rank, count] in row-major order (numpy.nonzero stacked). A scalar gives [0, count].
// Strings count as non-zero when non-empty.
#include <memory>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

// Calls fn(i) for each non-zero element index i of x, in order.
template <typename Fn>
void ForEachNonZero(const Tensor& x, Fn&& fn) {
  const int64_t n = x.num_elements();
  if (x.dtype() == DataType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      if (!x.strings()[i].empty()) fn(i);
    }
    return;
  }
  VisitNumericType(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* data = x.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
        if (static_cast<float>(data[i]) != 0.0f) fn(i);
      } else {
        if (data[i] != T{}) fn(i);
      }
    }
  });
}

class NonZeroKernel final : public Kernel {
 public:
  explicit NonZeroKernel(NodeLabel label) : label_(std::move(label)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return label_.Error("needs input X");
    int64_t count = 0;
    ForEachNonZero(*x, [&](int64_t) { ++count; });
    const int rank = x->rank();
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, {static_cast<int64_t>(rank), count}));
    if (rank == 0) return absl::OkStatus();
    int64_t* dst = out->data<int64_t>();
    int64_t column = 0;
    ForEachNonZero(*x, [&](int64_t i) {
      for (int d = rank - 1; d >= 0; --d) {
        dst[d * count + column] = i % x->dim(d);
        i /= x->dim(d);
      }
      ++column;
    });
    return absl::OkStatus();
  }

 private:
  NodeLabel label_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateNonZero(KernelInfo& info) {
  if (info.num_outputs() >= 1) info.output_types()[0] = DataType::kInt64;
  return std::make_unique<NonZeroKernel>(NodeLabel(info));
}

}  // namespace

absl::Status RegisterNonZero(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "NonZero",
                            .since_version = 9,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {},
                            .factory = CreateNonZero});
}

}  // namespace berth::engine
