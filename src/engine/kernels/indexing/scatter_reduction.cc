#include "engine/kernels/indexing/scatter_reduction.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine::indexing {

absl::StatusOr<ScatterReduction> ParseScatterReduction(const KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string name, info.StringOr("reduction", "none"));
  ScatterReduction reduction;
  int since = 1;
  if (name == "none") {
    reduction = ScatterReduction::kNone;
  } else if (name == "add" || name == "mul") {
    reduction = name == "add" ? ScatterReduction::kAdd : ScatterReduction::kMul;
    since = 16;
  } else if (name == "max" || name == "min") {
    reduction = name == "max" ? ScatterReduction::kMax : ScatterReduction::kMin;
    since = 18;
  } else {
    return info.Error(absl::StrCat("unknown reduction '", name,
                                   "' (expected none, add, mul, max or min)"));
  }
  if (info.opset() < since) {
    return info.Error(
        absl::StrCat("reduction '", name, "' needs opset ", since, " or later"));
  }
  if (reduction != ScatterReduction::kNone && info.input_type(0) == DataType::kString) {
    return info.Error(absl::StrCat("reduction '", name, "' is not defined for strings"));
  }
  return reduction;
}

}  // namespace berth::engine::indexing
