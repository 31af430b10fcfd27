// Range (an arithmetic sequence from three scalars) and EyeLike (a 2-D matrix of zeros with
// ones on one diagonal).
#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::NumericAndBoolTypes;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::SetOutputType;
using tensor_kernels::ZeroElements;

// Ranges longer than this are refused before any arithmetic can overflow.
constexpr int64_t kMaxRangeLength = int64_t{1} << 40;

template <typename T>
absl::StatusOr<int64_t> RangeLength(T start, T limit, T delta) {
  if (delta == T(0)) return OpError("Range", "delta is 0");
  if constexpr (std::is_floating_point_v<T>) {
    double n = std::ceil((static_cast<double>(limit) - start) / delta);
    if (std::isnan(n) || n > static_cast<double>(kMaxRangeLength)) {
      return OpError("Range", "the range from ", start, " to ", limit, " by ", delta,
                     " is too long");
    }
    return n > 0 ? static_cast<int64_t>(n) : 0;
  } else {
    __int128 span = static_cast<__int128>(limit) - start;
    if ((span > 0) != (delta > 0) || span == 0) return 0;
    __int128 n = (span + delta + (delta > 0 ? -1 : 1)) / delta;
    if (n > kMaxRangeLength) return OpError("Range", "the range is too long");
    return static_cast<int64_t>(n);
  }
}

class RangeKernel : public Kernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* in[3];
    static constexpr const char* kNames[] = {"start", "limit", "delta"};
    for (int i = 0; i < 3; ++i) {
      ASSIGN_OR_RETURN(in[i], RequiredInput("Range", ctx, i, kNames[i]));
      if (in[i]->num_elements() != 1 || in[i]->dtype() != in[0]->dtype()) {
        return OpError("Range", "input '", kNames[i], "' must be a scalar of the start's type");
      }
    }
    absl::Status status = OpError("Range", "unsupported type ", DataTypeName(in[0]->dtype()));
    VisitNumericType(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, int16_t> || std::is_same_v<T, int32_t> ||
                    std::is_same_v<T, int64_t>) {
        status = Fill<T>(ctx, in[0]->data<T>()[0], in[1]->data<T>()[0], in[2]->data<T>()[0]);
      }
    });
    return status;
  }

 private:
  template <typename T>
  static absl::Status Fill(KernelContext& ctx, T start, T limit, T delta) {
    ASSIGN_OR_RETURN(int64_t n, RangeLength(start, limit, delta));
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, {n}, DataTypeOf<T>::value));
    T* data = out->data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        data[i] = start + static_cast<T>(i) * delta;
      } else {
        // Every value lies between start and limit, but i * delta alone may not fit in int64.
        data[i] = static_cast<T>(static_cast<__int128>(start) + static_cast<__int128>(i) * delta);
      }
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateRange(KernelInfo& info) {
  return std::make_unique<RangeKernel>();
}

class EyeLikeKernel : public Kernel {
 public:
  explicit EyeLikeKernel(int64_t k) : k_(k) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("EyeLike", ctx, 0, "input"));
    if (input->rank() != 2) {
      return OpError("EyeLike", "input must be 2-D, got ", ShapeToString(input->shape()));
    }
    ASSIGN_OR_RETURN(Tensor * out, ctx.Output(0, input->shape()));
    ZeroElements(*out, 0, out->num_elements());
    int64_t rows = input->dim(0), cols = input->dim(1);
    if (k_ >= cols || k_ <= -rows) return absl::OkStatus();
    VisitNumericType(out->dtype(), [&](auto tag) {
      using T = decltype(tag);
      T one = static_cast<T>(1.0f);
      T* data = out->data<T>();
      for (int64_t i = std::max<int64_t>(0, -k_); i < rows && i + k_ < cols; ++i) {
        data[i * cols + i + k_] = one;
      }
    });
    return absl::OkStatus();
  }

 private:
  int64_t k_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateEyeLike(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t k, info.IntOr("k", 0));
  if (info.HasAttribute("dtype")) {
    ASSIGN_OR_RETURN(int64_t dtype, info.IntOr("dtype", 0));
    const auto& allowed = NumericAndBoolTypes();
    auto type = static_cast<DataType>(dtype);
    if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
      return info.Error(absl::StrCat("unsupported dtype ", dtype));
    }
    RETURN_IF_ERROR(SetOutputType(info, 0, type));
  }
  return std::make_unique<EyeLikeKernel>(k);
}

}  // namespace

absl::Status RegisterRangeEyeLikeKernels(KernelRegistry& registry) {
  RETURN_IF_ERROR(RegisterOp(registry, "Range", 11,
                             {DataType::kFloat, DataType::kDouble, DataType::kInt16,
                              DataType::kInt32, DataType::kInt64},
                             CreateRange));
  return RegisterOp(registry, "EyeLike", 9, NumericAndBoolTypes(), CreateEyeLike);
}

}  // namespace berth::engine
