#include "engine/kernels/tensor/op_util.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/kernels/tensor/data_movement.h"

namespace berth::engine::tensor_kernels {

const std::vector<DataType>& NumericAndBoolTypes() {
  static const std::vector<DataType>* types = new std::vector<DataType>{
      DataType::kFloat,   DataType::kUint8,  DataType::kInt8,    DataType::kUint16,
      DataType::kInt16,   DataType::kInt32,  DataType::kInt64,   DataType::kBool,
      DataType::kFloat16, DataType::kDouble, DataType::kUint32,  DataType::kUint64,
      DataType::kBFloat16};
  return *types;
}

const std::vector<DataType>& AllTensorTypes() {
  static const std::vector<DataType>* types = [] {
    auto* all = new std::vector<DataType>(NumericAndBoolTypes());
    all->push_back(DataType::kString);
    return all;
  }();
  return *types;
}

absl::StatusOr<int> NormalizeAxis(absl::string_view op, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return OpError(op, "axis ", axis, " is out of range for rank ", rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::Status NormalizeAxes(absl::string_view op, int rank, Shape* axes) {
  for (int64_t& axis : *axes) {
    absl::StatusOr<int> a = NormalizeAxis(op, axis, rank);
    if (!a.ok()) return a.status();
    axis = *a;
  }
  Shape sorted = *axes;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return OpError(op, "axes [", absl::StrJoin(*axes, ","), "] repeat an axis");
  }
  return absl::OkStatus();
}

absl::StatusOr<const Tensor*> RequiredInput(absl::string_view op, const KernelContext& ctx, int i,
                                            absl::string_view what) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return OpError(op, "missing required input '", what, "'");
  return t;
}

absl::Status ReadIntegers(absl::string_view op, const Tensor& t, absl::string_view what,
                          Shape* values, bool allow_float) {
  if (t.rank() > 1) {
    return OpError(op, "input '", what, "' must be a scalar or 1-D, got shape ",
                   ShapeToString(t.shape()));
  }
  values->clear();
  bool ok = false;
  VisitNumericType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr bool kFloat = !std::is_integral_v<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return;
    } else {
      if (kFloat && !allow_float) return;
      ok = true;
      const T* data = t.data<T>();
      for (int64_t i = 0; i < t.num_elements(); ++i) {
        if constexpr (kFloat) {
          double v;
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
            v = static_cast<float>(data[i]);
          } else {
            v = static_cast<double>(data[i]);
          }
          // Clamped because converting an out-of-range double to int64 is undefined.
          v = std::isnan(v) ? 0.0 : std::clamp(std::trunc(v), -9.2e18, 9.2e18);
          values->push_back(static_cast<int64_t>(v));
        } else {
          values->push_back(static_cast<int64_t>(data[i]));
        }
      }
    }
  });
  if (!ok) {
    return OpError(op, "input '", what, "' must be an integer tensor, got ",
                   DataTypeName(t.dtype()));
  }
  return absl::OkStatus();
}

absl::Status CheckInputType(const KernelInfo& info, int i, absl::string_view what,
                            const std::vector<DataType>& types) {
  DataType type = info.input_type(i);
  if (type == DataType::kUndefined) return absl::OkStatus();
  if (std::find(types.begin(), types.end(), type) != types.end()) return absl::OkStatus();
  return info.Error(absl::StrCat("input '", what, "' has unsupported type ", DataTypeName(type)));
}

absl::Status SetOutputType(KernelInfo& info, int i, DataType type) {
  if (i >= info.num_outputs()) return info.Error(absl::StrCat("needs output ", i));
  info.output_types()[i] = type;
  return absl::OkStatus();
}

absl::Status RegisterOp(KernelRegistry& registry, const std::string& op_type, int since,
                        const std::vector<DataType>& types, KernelFactory factory,
                        int type_input) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.type_input = type_input;
  def.types = types;
  def.factory = std::move(factory);
  return registry.Register(std::move(def));
}

absl::StatusOr<Tensor*> OutputOfType(KernelContext& ctx, int i, absl::Span<const int64_t> shape,
                                     DataType type) {
  ASSIGN_OR_RETURN(Tensor * out, ctx.Output(i, shape));
  if (out->dtype() != type) {
    return absl::InternalError(absl::StrCat("output ", i, " has type ", DataTypeName(out->dtype()),
                                            ", expected ", DataTypeName(type)));
  }
  return out;
}

absl::Status CopyToOutputWithShape(KernelContext& ctx, const Tensor& input,
                                   absl::Span<const int64_t> shape) {
  ASSIGN_OR_RETURN(Tensor * out, ctx.Output(0, shape));
  if (out->dtype() != input.dtype() || out->num_elements() != input.num_elements()) {
    return absl::InternalError("output type or size differs from the input's");
  }
  CopyAll(input, *out);
  return absl::OkStatus();
}

}  // namespace berth::engine::tensor_kernels
