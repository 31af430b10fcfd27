#include "engine/kernels/elementwise/kernel_util.h"

#include "absl/strings/str_cat.h"
#include "engine/kernels/elementwise/numeric.h"

namespace berth::engine {

std::string NodeLabel(const KernelInfo& info) {
  return absl::StrCat(info.node().op_type, " node '", info.node().name, "'");
}

absl::Status LabeledError(const std::string& label, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(label, ": ", message));
}

absl::StatusOr<const Tensor*> RequireInput(const std::string& label, const KernelContext& ctx,
                                           int i, DataType type) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return LabeledError(label, absl::StrCat("input ", i, " is missing"));
  if (t->dtype() != type) {
    return LabeledError(label, absl::StrCat("input ", i, " has type ", DataTypeName(t->dtype()),
                                            ", expected ", DataTypeName(type)));
  }
  return t;
}

absl::StatusOr<double> ScalarAsDouble(const std::string& label, const std::string& what,
                                      const Tensor& t) {
  if (t.num_elements() != 1) {
    return LabeledError(label, absl::StrCat(what, " must hold one element, got shape ",
                                            ShapeToString(t.shape())));
  }
  double value = 0;
  bool known = VisitNumericType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    value = static_cast<double>(Load(t.data<T>()[0]));
  });
  if (!known) {
    return LabeledError(label, absl::StrCat(what, " has unsupported type ",
                                            DataTypeName(t.dtype())));
  }
  return value;
}

}  // namespace berth::engine
