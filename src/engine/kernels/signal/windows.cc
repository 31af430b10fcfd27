// HannWindow, HammingWindow, BlackmanWindow (opset 17): generalized cosine windows
//   w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N),
// with N = size (periodic) or size - 1 (symmetric), in the type `output_datatype` names.
#include <cmath>
#include <memory>
#include <numbers>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/signal/signal_kernels.h"
#include "engine/kernels/signal/signal_util.h"

namespace berth::engine {

namespace {

struct CosineWindow {
  const char* op_type;
  double a0;
  double a1;
  double a2;
};

constexpr CosineWindow kHann = {"HannWindow", 0.5, 0.5, 0.0};
constexpr CosineWindow kHamming = {"HammingWindow", 25.0 / 46.0, 21.0 / 46.0, 0.0};
constexpr CosineWindow kBlackman = {"BlackmanWindow", 0.42, 0.5, 0.08};

class WindowKernel : public Kernel {
 public:
  WindowKernel(const CosineWindow& window, std::string prefix, bool periodic)
      : window_(window), prefix_(std::move(prefix)), periodic_(periodic) {}

  absl::Status Compute(KernelContext& ctx) const override {
    if (ctx.input(0) == nullptr) return Error("input size is required");
    ASSIGN_OR_RETURN(int64_t size, ReadIntScalar(*ctx.input(0), prefix_ + "size"));
    if (size < 0) return Error(absl::StrCat("size must not be negative, got ", size));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, {size}));
    double* values = static_cast<double*>(ctx.Scratch(sizeof(double) * (size + 1)));
    if (values == nullptr) return Error("no scratch memory");
    const int64_t period = periodic_ ? size : size - 1;
    for (int64_t n = 0; n < size; ++n) {
      // A one-point symmetric window has no period; its single value is the peak, 1.
      if (period == 0) {
        values[n] = 1.0;
        continue;
      }
      const double phase = 2.0 * std::numbers::pi * static_cast<double>(n) / period;
      values[n] = window_.a0 - window_.a1 * std::cos(phase) + window_.a2 * std::cos(2 * phase);
    }
    return WriteConverted(values, *y);
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  CosineWindow window_;
  std::string prefix_;
  bool periodic_;
};

KernelFactory WindowFactory(const CosineWindow& window) {
  return [window](KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    ASSIGN_OR_RETURN(int64_t periodic, info.IntOr("periodic", 1));
    if (periodic != 0 && periodic != 1) return info.Error("periodic must be 0 or 1");
    ASSIGN_OR_RETURN(DataType out_type, ParseOutputDatatype(info));
    if (info.output_types().empty()) return info.Error("the node has no output");
    info.output_types()[0] = out_type;
    std::string prefix = absl::StrCat(window.op_type, " node '", info.node().name, "': ");
    return std::make_unique<WindowKernel>(window, std::move(prefix), periodic == 1);
  };
}

}  // namespace

absl::Status RegisterWindows(KernelRegistry& registry) {
  for (const CosineWindow* window : {&kHann, &kHamming, &kBlackman}) {
    RETURN_IF_ERROR(registry.Register({.domain = "",
                                       .op_type = window->op_type,
                                       .since_version = 17,
                                       .end_version = 21,
                                       .type_input = 0,
                                       .types = {DataType::kInt32, DataType::kInt64},
                                       .factory = WindowFactory(*window)}));
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
