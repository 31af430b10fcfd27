// STFT (opset 17): the DFT of windowed frames of a [batch, length, 1 or 2] signal.
#include <omp.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/signal/fft.h"
#include "engine/kernels/signal/signal_kernels.h"
#include "engine/kernels/signal/signal_util.h"

namespace berth::engine {
namespace {

struct StftGeometry {
  int64_t batch = 0;
  int64_t signal_length = 0;
  int64_t channels = 1;
  int64_t frame_step = 0;
  int64_t frame_length = 0;
  int64_t frames = 0;
  int64_t bins = 0;
};

class StftKernel : public Kernel {
 public:
  StftKernel(std::string prefix, bool onesided) : prefix_(std::move(prefix)), onesided_(onesided) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(StftGeometry geo, Geometry(ctx));
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, {geo.batch, geo.frames, geo.bins, 2}));
    if (y->num_elements() == 0) return absl::OkStatus();

    std::shared_ptr<const FftPlan> plan = plans_.Get(geo.frame_length);
    if (plan == nullptr) return absl::ResourceExhaustedError(prefix_ + "no memory for the FFT");
    const int64_t lines = geo.batch * geo.frames;
    const int threads = FftThreads(lines, geo.frame_length, ctx.intra_op_threads());
    FftScratch scratch(*plan, threads);
    void* buffer = ctx.Scratch(scratch.bytes());
    if (buffer == nullptr) return Error("no scratch memory");
    scratch.Bind(buffer);
    const Tensor& signal = *ctx.input(0);
    const Tensor* window = ctx.input(2);
    VisitSignalFloatType(signal.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* w = window != nullptr ? window->data<T>() : nullptr;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
      for (int64_t line = 0; line < lines; ++line) {
        const int thread = threads > 1 ? omp_get_thread_num() : 0;
        TransformFrame<T>(signal.data<T>(), w, y->data<T>(), geo, line, *plan, scratch, thread);
      }
    });
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  absl::StatusOr<StftGeometry> Geometry(const KernelContext& ctx) const {
    const Tensor* signal = ctx.input(0);
    if (signal == nullptr || ctx.input(1) == nullptr) {
      return Error("inputs signal and frame_step are required");
    }
    if (signal->rank() != 3 || (signal->dim(2) != 1 && signal->dim(2) != 2)) {
      return Error(absl::StrCat("signal must be [batch, length, 1 or 2], got ",
                                ShapeToString(signal->shape())));
    }
    if (!VisitSignalFloatType(signal->dtype(), [](auto) {})) {
      return Error(absl::StrCat("signal type ", DataTypeName(signal->dtype()),
                                " is not supported"));
    }
    StftGeometry geo;
    geo.batch = signal->dim(0);
    geo.signal_length = signal->dim(1);
    geo.channels = signal->dim(2);
    if (onesided_ && geo.channels == 2) {
      return Error("onesided output is not possible for a complex signal");
    }
    ASSIGN_OR_RETURN(geo.frame_step, ReadIntScalar(*ctx.input(1), prefix_ + "frame_step"));
    if (geo.frame_step <= 0) {
      return Error(absl::StrCat("frame_step must be positive, got ", geo.frame_step));
    }
    const Tensor* window = ctx.input(2);
    if (window != nullptr) {
      if (window->rank() != 1 || window->dtype() != signal->dtype()) {
        return Error(absl::StrCat("window must be a 1-D tensor of the signal's type, got ",
                                  DataTypeName(window->dtype()), " ",
                                  ShapeToString(window->shape())));
      }
    }
    geo.frame_length = window != nullptr ? window->dim(0) : geo.signal_length;
    if (ctx.input(3) != nullptr) {
      ASSIGN_OR_RETURN(geo.frame_length, ReadIntScalar(*ctx.input(3), prefix_ + "frame_length"));
      if (window != nullptr && window->dim(0) != geo.frame_length) {
        return Error(absl::StrCat("window has ", window->dim(0), " values but frame_length is ",
                                  geo.frame_length));
      }
    }
    if (geo.frame_length <= 0 || geo.frame_length > geo.signal_length) {
      return Error(absl::StrCat("frame_length ", geo.frame_length, " must be in [1, ",
                                geo.signal_length, "] (the signal length)"));
    }
    geo.frames = (geo.signal_length - geo.frame_length) / geo.frame_step + 1;
    geo.bins = onesided_ ? geo.frame_length / 2 + 1 : geo.frame_length;
    return geo;
  }

  template <typename T>
  void TransformFrame(const T* signal, const T* window, T* y, const StftGeometry& geo,
                      int64_t line, const FftPlan& plan, const FftScratch& scratch,
                      int thread) const {
    const int64_t b = line / geo.frames;
    const int64_t frame = line % geo.frames;
    const T* start = signal + (b * geo.signal_length + frame * geo.frame_step) * geo.channels;
    Complex* in = scratch.in(thread);
    Complex* out = scratch.out(thread);
    for (int64_t n = 0; n < geo.frame_length; ++n) {
      const T* p = start + n * geo.channels;
      const double w = window != nullptr ? ToDouble(window[n]) : 1.0;
      in[n] = Complex(ToDouble(p[0]) * w, geo.channels == 2 ? ToDouble(p[1]) * w : 0.0);
    }
    plan.Transform(in, out, false, scratch.work(thread));
    T* dst = y + line * geo.bins * 2;
    for (int64_t k = 0; k < geo.bins; ++k) {
      dst[2 * k] = FromDouble<T>(out[k].real());
      dst[2 * k + 1] = FromDouble<T>(out[k].imag());
    }
  }

  std::string prefix_;
  bool onesided_;
  FftPlanCache plans_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateStft(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t onesided, info.IntOr("onesided", 1));
  if (onesided != 0 && onesided != 1) return info.Error("onesided must be 0 or 1");
  return std::make_unique<StftKernel>(absl::StrCat("STFT node '", info.node().name, "': "),
                                      onesided == 1);
}

}  // namespace

absl::Status RegisterStft(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "STFT",
                            .since_version = 17,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16,
                                      DataType::kBFloat16},
                            .factory = CreateStft});
}

}  // namespace berth::engine
