#include "absl/strings/str_cat.h"
#include "optimize/quantize.h"

namespace berth::optimize {

std::string_view QuantizeMethodName(QuantizeMethod method) {
  switch (method) {
    case QuantizeMethod::kInt8Dynamic:
      return "int8-dynamic";
    case QuantizeMethod::kInt8Static:
      return "int8-static";
    case QuantizeMethod::kFloat16:
      return "fp16";
    case QuantizeMethod::kBFloat16:
      return "bf16";
  }
  return "unknown";
}

absl::StatusOr<QuantizeMethod> ParseQuantizeMethod(std::string_view name) {
  for (QuantizeMethod m : {QuantizeMethod::kInt8Dynamic, QuantizeMethod::kInt8Static,
                           QuantizeMethod::kFloat16, QuantizeMethod::kBFloat16}) {
    if (QuantizeMethodName(m) == name) return m;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown quantization method '", std::string(name),
                   "' (expected int8-dynamic, int8-static, fp16 or bf16)"));
}

}  // namespace berth::optimize
