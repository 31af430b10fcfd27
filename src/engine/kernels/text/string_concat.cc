// StringConcat (opset 20): elementwise X + Y over string tensors, with NumPy broadcasting.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/text/text_kernels.h"

namespace berth::engine {
namespace {

// Strides (in elements) of `shape` aligned to the last `rank` output dimensions, with 0 for
// broadcast dimensions.
absl::InlinedVector<int64_t, 6> BroadcastStrides(const Shape& shape, int rank) {
  absl::InlinedVector<int64_t, 6> strides(rank, 0);
  int64_t stride = 1;
  for (int i = static_cast<int>(shape.size()) - 1, d = rank - 1; i >= 0; --i, --d) {
    strides[d] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

class StringConcatKernel : public Kernel {
 public:
  explicit StringConcatKernel(std::string prefix) : prefix_(std::move(prefix)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* y = ctx.input(1);
    if (x == nullptr || y == nullptr || x->dtype() != DataType::kString ||
        y->dtype() != DataType::kString) {
      return Error("X and Y must be string tensors");
    }
    const int rank = std::max(x->rank(), y->rank());
    Shape shape(rank, 1);
    for (int d = 0; d < rank; ++d) {
      const int xd = d - (rank - x->rank());
      const int yd = d - (rank - y->rank());
      const int64_t a = xd >= 0 ? x->dim(xd) : 1;
      const int64_t b = yd >= 0 ? y->dim(yd) : 1;
      if (a != b && a != 1 && b != 1) {
        return Error(absl::StrCat("shapes ", ShapeToString(x->shape()), " and ",
                                  ShapeToString(y->shape()), " do not broadcast"));
      }
      shape[d] = a == 1 ? b : a;
    }
    ASSIGN_OR_RETURN(Tensor * z, ctx.Output(0, shape));
    const absl::InlinedVector<int64_t, 6> x_strides = BroadcastStrides(x->shape(), rank);
    const absl::InlinedVector<int64_t, 6> y_strides = BroadcastStrides(y->shape(), rank);
    absl::InlinedVector<int64_t, 6> index(rank, 0);
    int64_t x_off = 0;
    int64_t y_off = 0;
    std::vector<std::string>& out = z->strings();
    for (int64_t i = 0; i < z->num_elements(); ++i) {
      out[i].assign(x->strings()[x_off]);
      out[i].append(y->strings()[y_off]);
      // Advance the odometer over the output index.
      for (int d = rank - 1; d >= 0; --d) {
        x_off += x_strides[d];
        y_off += y_strides[d];
        if (++index[d] < shape[d]) break;
        x_off -= x_strides[d] * shape[d];
        y_off -= y_strides[d] * shape[d];
        index[d] = 0;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  std::string prefix_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringConcat(KernelInfo& info) {
  return std::make_unique<StringConcatKernel>(
      absl::StrCat("StringConcat node '", info.node().name, "': "));
}

}  // namespace

absl::Status RegisterStringConcat(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "StringConcat",
                            .since_version = 20,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kString},
                            .factory = CreateStringConcat});
}

}  // namespace berth::engine
