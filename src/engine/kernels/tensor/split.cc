// Split: cuts the input along one axis into consecutive parts, one per output.
//
// The part sizes come from, by opset: the `split` attribute or an optional second input (1),
// the attribute (2-12), an optional int64 input (13-17), that input or the `num_outputs`
// attribute (18+). Without sizes the axis is split evenly over the outputs.
#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::AllTensorTypes;
using tensor_kernels::CopyStrided;
using tensor_kernels::NormalizeAxis;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;

struct SplitConfig {
  int64_t axis = 0;
  std::optional<Shape> attr_sizes;  // from the `split` attribute
  bool sizes_from_input = false;    // input 1 may give the sizes
  bool ceil_parts = false;          // num_outputs given: parts of ceil(dim / n), last smaller
};

class SplitKernel : public Kernel {
 public:
  explicit SplitKernel(SplitConfig config) : config_(std::move(config)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("Split", ctx, 0, "input"));
    ASSIGN_OR_RETURN(int axis, NormalizeAxis("Split", config_.axis, input->rank()));
    int64_t dim = input->dim(axis);
    ASSIGN_OR_RETURN(Shape sizes, PartSizes(ctx, dim, ctx.num_outputs()));
    auto in_dims = absl::MakeConstSpan(input->shape());
    int64_t outer = NumElementsOf(in_dims.subspan(0, axis));
    int64_t inner = NumElementsOf(in_dims.subspan(axis + 1));
    Shape out_shape = input->shape();
    int64_t offset = 0;
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      int64_t row = sizes[i] * inner;
      if (ctx.output_wanted(i)) {
        out_shape[axis] = sizes[i];
        ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, i, out_shape, input->dtype()));
        int64_t src_strides[] = {dim * inner, 1};
        int64_t dst_strides[] = {row, 1};
        int64_t shape[] = {outer, row};
        CopyStrided(*input, offset, src_strides, *out, 0, dst_strides, shape,
                    ctx.intra_op_threads());
      }
      offset += row;
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<Shape> PartSizes(const KernelContext& ctx, int64_t dim, int parts) const {
    Shape sizes;
    if (config_.attr_sizes.has_value()) {
      sizes = *config_.attr_sizes;
    } else if (config_.sizes_from_input && ctx.input(1) != nullptr &&
               ctx.input(1)->num_elements() > 0) {
      RETURN_IF_ERROR(ReadIntegers("Split", *ctx.input(1), "split", &sizes,
                                   /*allow_float=*/true));
    } else if (config_.ceil_parts) {
      int64_t part = (dim + parts - 1) / parts;
      for (int i = 0; i < parts; ++i) {
        sizes.push_back(std::max<int64_t>(0, std::min(part, dim - part * i)));
      }
    } else {
      if (parts == 0 || dim % parts != 0) {
        return OpError("Split", "axis of size ", dim, " cannot be split evenly into ", parts,
                       " outputs");
      }
      sizes.assign(parts, dim / parts);
    }
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0) return OpError("Split", "negative part size ", s);
      total += s;
    }
    if (static_cast<int>(sizes.size()) != parts || total != dim) {
      return OpError("Split", "part sizes [", absl::StrJoin(sizes, ","), "] do not cut an axis of ",
                     dim, " into ", parts, " outputs");
    }
    return sizes;
  }

  SplitConfig config_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateSplit(KernelInfo& info) {
  SplitConfig config;
  ASSIGN_OR_RETURN(config.axis, info.IntOr("axis", 0));
  if (info.opset() < 13 && info.HasAttribute("split")) {
    ASSIGN_OR_RETURN(std::vector<int64_t> split, info.IntsOr("split", {}));
    config.attr_sizes = Shape(split.begin(), split.end());
  }
  config.sizes_from_input = info.opset() == 1 || info.opset() >= 13;
  if (info.opset() >= 18 && info.HasAttribute("num_outputs")) {
    ASSIGN_OR_RETURN(int64_t n, info.IntOr("num_outputs", 0));
    if (n < 1 || n != info.num_outputs()) {
      return info.Error(absl::StrCat("num_outputs ", n, " does not match the node's ",
                                     info.num_outputs(), " outputs"));
    }
    if (info.has_input(1)) return info.Error("give either the split input or num_outputs");
    config.ceil_parts = true;
  }
  if (info.num_outputs() < 1) return info.Error("needs at least one output");
  return std::make_unique<SplitKernel>(std::move(config));
}

}  // namespace

absl::Status RegisterSplitKernels(KernelRegistry& registry) {
  return RegisterOp(registry, "Split", 1, AllTensorTypes(), CreateSplit);
}

}  // namespace berth::engine
