// Dropout in inference mode (opsets 1-21): output = input, and the optional mask is all kept
// (true from opset 10, ones of the input's type before). Opsets 1-6 carry `is_test`; exported
// inference models often leave it 0, and inference is the only mode here, so it is not
// consulted. From opset 12 `training_mode` is an input: true with a ratio above 0 would need
// random outputs and is refused (Unimplemented), at load when both are constants.
#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/elementwise/elementwise_ops.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/numeric.h"
#include "engine/kernels/elementwise/type_list.h"

namespace berth::engine {
namespace {

constexpr double kDefaultRatio = 0.5;

// Fails when `training` says true and the ratio (default 0.5) is above 0.
absl::Status CheckInferenceMode(const std::string& label, const Tensor* ratio,
                                const Tensor* training) {
  if (training == nullptr) return absl::OkStatus();
  if (training->dtype() != DataType::kBool || training->num_elements() != 1) {
    return LabeledError(label, "training_mode must be one bool");
  }
  if (!training->data<bool>()[0]) return absl::OkStatus();
  double r = kDefaultRatio;
  if (ratio != nullptr) {
    ASSIGN_OR_RETURN(r, ScalarAsDouble(label, "ratio", *ratio));
  }
  if (r > 0) {
    return absl::UnimplementedError(absl::StrCat(
        label, ": training mode with ratio ", r, " is not supported (outputs would be random)"));
  }
  return absl::OkStatus();
}

template <typename T>
class DropoutKernel final : public Kernel {
 public:
  DropoutKernel(std::string label, bool bool_mask, bool training_input)
      : label_(std::move(label)), bool_mask_(bool_mask), training_input_(training_input) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, RequireInput(label_, ctx, 0, DataTypeOf<T>::value));
    if (training_input_) RETURN_IF_ERROR(CheckInferenceMode(label_, ctx.input(1), ctx.input(2)));
    ASSIGN_OR_RETURN(Tensor* y, ctx.Output(0, x->shape()));
    if (x->byte_size() > 0) std::memcpy(y->raw_data(), x->raw_data(), x->byte_size());
    if (ctx.num_outputs() < 2 || !ctx.output_wanted(1)) return absl::OkStatus();
    ASSIGN_OR_RETURN(Tensor* mask, ctx.Output(1, x->shape()));
    if (bool_mask_) {
      std::fill_n(mask->data<bool>(), mask->num_elements(), true);
    } else {
      std::fill_n(mask->data<T>(), mask->num_elements(), Store<T>(1.0f));
    }
    return absl::OkStatus();
  }

 private:
  std::string label_;
  bool bool_mask_;
  bool training_input_;
};

absl::StatusOr<std::unique_ptr<Kernel>> MakeDropout(KernelInfo& info) {
  if (info.num_outputs() < 1) return info.Error("the node has no output");
  const bool training_input = info.opset() >= 12;
  if (training_input && info.constant_input(2) != nullptr &&
      (!info.has_input(1) || info.constant_input(1) != nullptr)) {
    RETURN_IF_ERROR(CheckInferenceMode(NodeLabel(info), info.constant_input(1),
                                       info.constant_input(2)));
  }
  if (training_input) {
    ASSIGN_OR_RETURN(int64_t seed, info.IntOr("seed", 0));
    (void)seed;
  } else {
    ASSIGN_OR_RETURN(float ratio, info.FloatOr("ratio", 0.5f));
    ASSIGN_OR_RETURN(int64_t is_test, info.IntOr("is_test", 0));
    (void)ratio;
    (void)is_test;
  }
  const bool bool_mask = info.opset() >= 10;
  if (info.num_outputs() > 1) {
    info.output_types()[1] = bool_mask ? DataType::kBool : info.input_type(0);
  }
  std::unique_ptr<Kernel> kernel;
  DispatchType(FloatTypes{}, info.input_type(0), [&](auto tag) {
    kernel = std::make_unique<DropoutKernel<decltype(tag)>>(NodeLabel(info), bool_mask,
                                                            training_input);
  });
  if (kernel == nullptr) {
    return info.Error("unsupported input type " + DataTypeName(info.input_type(0)));
  }
  return kernel;
}

}  // namespace

absl::Status RegisterDropout(KernelRegistry& r) {
  KernelDef def;
  def.op_type = "Dropout";
  def.since_version = 1;
  def.types = DataTypesOf(FloatTypes{});
  def.factory = MakeDropout;
  return r.Register(std::move(def));
}

}  // namespace berth::engine
