// Constant (a tensor given as an attribute) and ConstantOfShape (a shape filled with one
// value). The value is prepared once at load.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"
#include "engine/kernels/tensor/op_util.h"
#include "engine/kernels/tensor/tensor_kernels.h"

namespace berth::engine {
namespace {

using tensor_kernels::CheckInputType;
using tensor_kernels::CopyAll;
using tensor_kernels::FillElements;
using tensor_kernels::OpError;
using tensor_kernels::OutputOfType;
using tensor_kernels::ReadIntegers;
using tensor_kernels::RegisterOp;
using tensor_kernels::RequiredInput;
using tensor_kernels::SetOutputType;

class ConstantKernel : public Kernel {
 public:
  explicit ConstantKernel(Tensor value) : value_(std::move(value)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, value_.shape(), value_.dtype()));
    CopyAll(value_, *out);
    return absl::OkStatus();
  }

 private:
  Tensor value_;
};

// A scalar holding values[0] when !is_vector, else a 1-D tensor of `values`.
template <typename T>
Tensor VectorTensor(bool is_vector, const std::vector<T>& values) {
  Shape shape;
  if (is_vector) shape.push_back(static_cast<int64_t>(values.size()));
  Tensor t(DataTypeOf<T>::value, shape);
  for (size_t i = 0; i < values.size(); ++i) {
    if constexpr (std::is_same_v<T, std::string>) {
      t.strings()[i] = values[i];
    } else {
      t.data<T>()[i] = values[i];
    }
  }
  return t;
}

// The tensor that the one value attribute of a Constant node describes.
absl::StatusOr<Tensor> ConstantValue(const KernelInfo& info) {
  static constexpr const char* kKinds[] = {"value",        "sparse_value", "value_float",
                                           "value_floats", "value_int",    "value_ints",
                                           "value_string", "value_strings"};
  const char* kind = nullptr;
  for (const char* k : kKinds) {
    if (!info.HasAttribute(k)) continue;
    if (kind != nullptr) return info.Error("give exactly one value attribute");
    kind = k;
  }
  if (kind == nullptr) return info.Error("missing the value attribute");
  std::string name = kind;
  if (name == "value") {
    ASSIGN_OR_RETURN(const Tensor* t, info.RequiredTensor("value"));
    return t->Clone();
  }
  if (name == "sparse_value") {
    return absl::UnimplementedError("Constant: sparse_value is not supported");
  }
  if (name == "value_float") {
    ASSIGN_OR_RETURN(float v, info.FloatOr(name, 0));
    return VectorTensor<float>(false, {v});
  }
  if (name == "value_floats") {
    ASSIGN_OR_RETURN(std::vector<float> v, info.FloatsOr(name, {}));
    return VectorTensor<float>(true, v);
  }
  if (name == "value_int") {
    ASSIGN_OR_RETURN(int64_t v, info.IntOr(name, 0));
    return VectorTensor<int64_t>(false, {v});
  }
  if (name == "value_ints") {
    ASSIGN_OR_RETURN(std::vector<int64_t> v, info.IntsOr(name, {}));
    return VectorTensor<int64_t>(true, v);
  }
  if (name == "value_string") {
    ASSIGN_OR_RETURN(std::string v, info.StringOr(name, ""));
    return VectorTensor<std::string>(false, {v});
  }
  ASSIGN_OR_RETURN(std::vector<std::string> v, info.StringsOr(name, {}));
  return VectorTensor<std::string>(true, v);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConstant(KernelInfo& info) {
  ASSIGN_OR_RETURN(Tensor value, ConstantValue(info));
  RETURN_IF_ERROR(SetOutputType(info, 0, value.dtype()));
  return std::make_unique<ConstantKernel>(std::move(value));
}

class ConstantOfShapeKernel : public Kernel {
 public:
  explicit ConstantOfShapeKernel(Tensor value) : value_(std::move(value)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, RequiredInput("ConstantOfShape", ctx, 0, "input"));
    if (input->rank() != 1) return OpError("ConstantOfShape", "input must be 1-D");
    Shape shape;
    RETURN_IF_ERROR(ReadIntegers("ConstantOfShape", *input, "input", &shape));
    for (int64_t d : shape) {
      if (d < 0) return OpError("ConstantOfShape", "negative dimension ", d);
    }
    ASSIGN_OR_RETURN(Tensor * out, OutputOfType(ctx, 0, shape, value_.dtype()));
    FillElements(*out, 0, out->num_elements(), value_);
    return absl::OkStatus();
  }

 private:
  Tensor value_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateConstantOfShape(KernelInfo& info) {
  RETURN_IF_ERROR(CheckInputType(info, 0, "input", {DataType::kInt64}));
  Tensor value(DataType::kFloat, {});
  if (info.HasAttribute("value")) {
    ASSIGN_OR_RETURN(const Tensor* t, info.RequiredTensor("value"));
    if (t->num_elements() != 1) return info.Error("attribute 'value' must hold one element");
    value = t->Clone();
  }
  RETURN_IF_ERROR(SetOutputType(info, 0, value.dtype()));
  return std::make_unique<ConstantOfShapeKernel>(std::move(value));
}

}  // namespace

absl::Status RegisterConstantKernels(KernelRegistry& registry) {
  // Constant has no input to select on; ConstantOfShape's input is always int64.
  RETURN_IF_ERROR(RegisterOp(registry, "Constant", 1, {}, CreateConstant));
  return RegisterOp(registry, "ConstantOfShape", 9, {DataType::kInt64}, CreateConstantOfShape);
}

}  // namespace berth::engine
