// DFT (opset 17: axis attribute; opset 20: axis input): forward or inverse transform along one
// axis of a real ([..., 1]) or complex ([..., 2]) signal, with the one-sided (RFFT) and
// inverse one-sided (IRFFT) forms.
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

// The geometry of one run: the input is [outer, n_axis, inner, channels].
struct DftGeometry {
  int axis = 0;
  int64_t outer = 1;
  int64_t n_axis = 0;
  int64_t inner = 1;
  int64_t channels = 1;
  int64_t length = 0;    // dft_length
  int64_t out_axis = 0;  // bins written along the axis
  int64_t out_channels = 2;
};

class DftKernel : public Kernel {
 public:
  DftKernel(std::string prefix, int opset, int64_t axis, bool inverse, bool onesided)
      : prefix_(std::move(prefix)),
        opset_(opset),
        axis_(axis),
        inverse_(inverse),
        onesided_(onesided) {}

  absl::Status Compute(KernelContext& ctx) const override {
    if (ctx.input(0) == nullptr) return Error("input is required");
    const Tensor& x = *ctx.input(0);
    ASSIGN_OR_RETURN(DftGeometry geo, Geometry(ctx, x));
    Shape out_shape = x.shape();
    out_shape[geo.axis] = geo.out_axis;
    out_shape[out_shape.size() - 1] = geo.out_channels;
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, out_shape));
    if (y->num_elements() == 0) return absl::OkStatus();

    std::shared_ptr<const FftPlan> plan = plans_.Get(geo.length);
    if (plan == nullptr) return absl::ResourceExhaustedError(prefix_ + "no memory for the FFT");
    const int64_t lines = geo.outer * geo.inner;
    const int threads = FftThreads(lines, geo.length, ctx.intra_op_threads());
    FftScratch scratch(*plan, threads);
    void* buffer = ctx.Scratch(scratch.bytes());
    if (buffer == nullptr) return Error("no scratch memory");
    scratch.Bind(buffer);
    VisitSignalFloatType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
      for (int64_t line = 0; line < lines; ++line) {
        const int thread = threads > 1 ? omp_get_thread_num() : 0;
        TransformLine<T>(x.data<T>(), y->data<T>(), geo, line, *plan, scratch, thread);
      }
    });
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  absl::StatusOr<int64_t> Axis(const KernelContext& ctx, int rank) const {
    int64_t axis = axis_;
    if (opset_ >= 20 && ctx.input(2) != nullptr) {
      ASSIGN_OR_RETURN(axis, ReadIntScalar(*ctx.input(2), prefix_ + "axis"));
    }
    // The last dimension holds the real and imaginary parts and is never an axis.
    if (axis < -rank || axis > rank - 2 || axis == -1) {
      return Error(absl::StrCat("axis ", axis, " is outside [", -rank, ", -2] U [0, ", rank - 2,
                                "] for an input of rank ", rank));
    }
    return axis < 0 ? axis + rank : axis;
  }

  absl::StatusOr<DftGeometry> Geometry(const KernelContext& ctx, const Tensor& x) const {
    const int rank = x.rank();
    if (rank < 2) return Error(absl::StrCat("input must have rank >= 2, got ", rank));
    if (!VisitSignalFloatType(x.dtype(), [](auto) {})) {
      return Error(absl::StrCat("input type ", DataTypeName(x.dtype()), " is not supported"));
    }
    DftGeometry geo;
    geo.channels = x.dim(rank - 1);
    if (geo.channels != 1 && geo.channels != 2) {
      return Error(absl::StrCat("the last dimension must be 1 (real) or 2 (complex), got ",
                                ShapeToString(x.shape())));
    }
    ASSIGN_OR_RETURN(int64_t axis, Axis(ctx, rank));
    geo.axis = static_cast<int>(axis);
    for (int d = 0; d < axis; ++d) geo.outer *= x.dim(d);
    for (int d = axis + 1; d < rank - 1; ++d) geo.inner *= x.dim(d);
    geo.n_axis = x.dim(axis);
    const bool irfft = inverse_ && onesided_;
    geo.length = irfft ? 2 * (geo.n_axis - 1) : geo.n_axis;
    if (ctx.input(1) != nullptr) {
      ASSIGN_OR_RETURN(geo.length, ReadIntScalar(*ctx.input(1), prefix_ + "dft_length"));
    }
    constexpr int64_t kMaxLength = int64_t{1} << 24;
    if (geo.length <= 0 || geo.length > kMaxLength) {
      return Error(absl::StrCat("dft_length must be in [1, 2^24], got ", geo.length));
    }
    geo.out_axis = onesided_ && !inverse_ ? geo.length / 2 + 1 : geo.length;
    geo.out_channels = irfft ? 1 : 2;
    return geo;
  }

  template <typename T>
  void TransformLine(const T* x, T* y, const DftGeometry& geo, int64_t line, const FftPlan& plan,
                     const FftScratch& scratch, int thread) const {
    const int64_t o = line / geo.inner;
    const int64_t i = line % geo.inner;
    auto at = [&](int64_t k) {
      const T* p = x + ((o * geo.n_axis + k) * geo.inner + i) * geo.channels;
      return Complex(ToDouble(p[0]), geo.channels == 2 ? ToDouble(p[1]) : 0.0);
    };
    Complex* in = scratch.in(thread);
    Complex* out = scratch.out(thread);
    const int64_t n = geo.length;
    if (inverse_ && onesided_) {
      // Rebuild the full spectrum from its non-negative half by conjugate symmetry.
      const int64_t available = std::min(geo.n_axis, n / 2 + 1);
      for (int64_t k = 0; k <= n / 2; ++k) in[k] = k < available ? at(k) : Complex(0, 0);
      for (int64_t k = n / 2 + 1; k < n; ++k) in[k] = std::conj(in[n - k]);
    } else {
      for (int64_t k = 0; k < n; ++k) in[k] = k < geo.n_axis ? at(k) : Complex(0, 0);
    }
    plan.Transform(in, out, inverse_, scratch.work(thread));
    const double scale = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
    for (int64_t k = 0; k < geo.out_axis; ++k) {
      T* p = y + ((o * geo.out_axis + k) * geo.inner + i) * geo.out_channels;
      p[0] = FromDouble<T>(out[k].real() * scale);
      if (geo.out_channels == 2) p[1] = FromDouble<T>(out[k].imag() * scale);
    }
  }

  std::string prefix_;
  int opset_;
  int64_t axis_;  // the attribute (opset 17) or the default of the axis input (opset 20)
  bool inverse_;
  bool onesided_;
  FftPlanCache plans_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateDft(KernelInfo& info) {
  int64_t axis = -2;
  if (info.opset() < 20) {
    ASSIGN_OR_RETURN(axis, info.IntOr("axis", 1));
  }
  ASSIGN_OR_RETURN(int64_t inverse, info.IntOr("inverse", 0));
  ASSIGN_OR_RETURN(int64_t onesided, info.IntOr("onesided", 0));
  if ((inverse != 0 && inverse != 1) || (onesided != 0 && onesided != 1)) {
    return info.Error("inverse and onesided must be 0 or 1");
  }
  std::string prefix = absl::StrCat("DFT node '", info.node().name, "': ");
  return std::make_unique<DftKernel>(std::move(prefix), info.opset(), axis, inverse == 1,
                                     onesided == 1);
}

}  // namespace

absl::Status RegisterDft(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "DFT",
                            .since_version = 17,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16,
                                      DataType::kBFloat16},
                            .factory = CreateDft});
}

}  // namespace berth::engine
