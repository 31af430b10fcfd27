// Col2Im: scatters sliding-window columns [N, C * prod(block), L] back into images
// [N, C, image...], summing where windows overlap (the inverse layout of im2col).
#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::CheckInputType;
using tensor_kernels::kParallelThreshold;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::ZeroElements;

template <typename T>
void AddTo(T& acc, T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    acc = T(static_cast<float>(acc) + static_cast<float>(v));
  } else {
    acc = static_cast<T>(acc + v);
  }
}

// Spatial geometry of one run; every vector has one entry per image dim.
struct Geometry {
  Shape image, block, blocks, strides, dilations, pad_begin;
  int64_t kernel_size = 1;  // prod(block)
  int64_t columns = 1;      // prod(blocks) = L
  int64_t image_size = 1;   // prod(image)
};

// Sums the columns of one (n, c) plane into `out`, which is zeroed already.
template <typename T>
void ScatterPlane(const T* cols, T* out, const Geometry& g) {
  int d = static_cast<int>(g.image.size());
  Shape offset(d, 0);  // the kernel position, as a multi-index over g.block
  Shape col(d, 0);     // the window position, as a multi-index over g.blocks
  for (int64_t kc = 0; kc < g.kernel_size; ++kc) {
    std::fill(col.begin(), col.end(), 0);
    for (int64_t l = 0; l < g.columns; ++l) {
      int64_t index = 0;
      bool inside = true;
      for (int i = 0; i < d && inside; ++i) {
        int64_t x = col[i] * g.strides[i] - g.pad_begin[i] + offset[i] * g.dilations[i];
        inside = x >= 0 && x < g.image[i];
        index = index * g.image[i] + x;
      }
      if (inside) AddTo(out[index], cols[kc * g.columns + l]);
      for (int i = d - 1; i >= 0 && ++col[i] == g.blocks[i]; --i) col[i] = 0;
    }
    for (int i = d - 1; i >= 0 && ++offset[i] == g.block[i]; --i) offset[i] = 0;
  }
}

class Col2ImKernel : public Kernel {
 public:
  Col2ImKernel(std::vector<int64_t> strides, std::vector<int64_t> dilations,
               std::vector<int64_t> pads)
      : strides_(std::move(strides)), dilations_(std::move(dilations)), pads_(std::move(pads)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Col2Im", ctx, 0, "input"));
    ASSIGN_OR_RETURN(const Tensor* image_t, RequiredInput("Col2Im", ctx, 1, "image_shape"));
    ASSIGN_OR_RETURN(const Tensor* block_t, RequiredInput("Col2Im", ctx, 2, "block_shape"));
    Geometry g;
    RETURN_IF_ERROR(ReadIntegers("Col2Im", *image_t, "image_shape", &g.image));
    RETURN_IF_ERROR(ReadIntegers("Col2Im", *block_t, "block_shape", &g.block));
    RETURN_IF_ERROR(Prepare(*input, &g));
    int64_t n = input->dim(0);
    int64_t channels = input->dim(1) / g.kernel_size;
    Shape out_shape = {n, channels};
    out_shape.insert(out_shape.end(), g.image.begin(), g.image.end());
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, out_shape, input->dtype()));
    ZeroElements(*out, 0, out->num_elements());
    int64_t planes = n * channels;
    int threads = ctx.intra_op_threads();
    bool parallel = threads > 1 && planes > 1 && input->num_elements() > kParallelThreshold;
    VisitNumericType(input->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        const T* cols = input->data<T>();
        T* image = out->data<T>();
#pragma omp parallel for num_threads(threads) if (parallel)
        for (int64_t p = 0; p < planes; ++p) {
          ScatterPlane(cols + p * g.kernel_size * g.columns, image + p * g.image_size, g);
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  // Fills the geometry from the attributes and checks it against the input's shape.
  absl::Status Prepare(const Tensor& input, Geometry* g) const {
    size_t d = g->image.size();
    if (d == 0 || g->block.size() != d) {
      return OpError("Col2Im", "image_shape and block_shape must have the same non-zero length");
    }
    if ((!strides_.empty() && strides_.size() != d) ||
        (!dilations_.empty() && dilations_.size() != d) ||
        (!pads_.empty() && pads_.size() != 2 * d)) {
      return OpError("Col2Im", "strides, dilations and pads do not match ", d, " image dims");
    }
    if (input.rank() != 3) {
      return OpError("Col2Im", "input must be 3-D, got ", ShapeToString(input.shape()));
    }
    for (size_t i = 0; i < d; ++i) {
      int64_t stride = strides_.empty() ? 1 : strides_[i];
      int64_t dilation = dilations_.empty() ? 1 : dilations_[i];
      int64_t pads = pads_.empty() ? 0 : pads_[i] + pads_[i + d];
      if (g->image[i] <= 0 || g->block[i] <= 0) {
        return OpError("Col2Im", "image_shape and block_shape must be positive");
      }
      int64_t span = g->image[i] + pads - dilation * (g->block[i] - 1) - 1;
      if (span < 0) return OpError("Col2Im", "block does not fit the padded image on dim ", i);
      g->strides.push_back(stride);
      g->dilations.push_back(dilation);
      g->pad_begin.push_back(pads_.empty() ? 0 : pads_[i]);
      g->blocks.push_back(span / stride + 1);
      g->kernel_size *= g->block[i];
      g->columns *= g->blocks.back();
      g->image_size *= g->image[i];
    }
    if (input.dim(1) % g->kernel_size != 0 || input.dim(2) != g->columns) {
      return OpError("Col2Im", "input ", ShapeToString(input.shape()),
                     " does not match block [", absl::StrJoin(g->block, ","), "] and ",
                     g->columns, " sliding blocks");
    }
    return absl::OkStatus();
  }

  std::vector<int64_t> strides_;
  std::vector<int64_t> dilations_;
  std::vector<int64_t> pads_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateCol2Im(KernelInfo& info) {
  RETURN_IF_ERROR(CheckInputType(info, 1, "image_shape", {DataType::kInt64}));
  RETURN_IF_ERROR(CheckInputType(info, 2, "block_shape", {DataType::kInt64}));
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, info.IntsOr("strides", {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations, info.IntsOr("dilations", {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> pads, info.IntsOr("pads", {}));
  for (int64_t s : strides) {
    if (s <= 0) return info.Error("strides must be positive");
  }
  for (int64_t v : dilations) {
    if (v <= 0) return info.Error("dilations must be positive");
  }
  for (int64_t p : pads) {
    if (p < 0) return info.Error("pads must not be negative");
  }
  return std::make_unique<Col2ImKernel>(std::move(strides), std::move(dilations),
                                        std::move(pads));
}

}  // namespace

absl::Status RegisterCol2ImKernels(KernelRegistry& registry) {
  std::vector<DataType> types = tensor_kernels::NumericAndBoolTypes();
  std::erase(types, DataType::kBool);
  return RegisterOp(registry, "Col2Im", 18, types, CreateCol2Im);
}

}  // namespace berth::engine
