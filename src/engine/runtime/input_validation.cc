#include "engine/runtime/input_validation.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::engine {
namespace {

std::string DeclaredShape(const ValueInfo& info) {
  std::vector<std::string> dims;
  for (const Dim& d : info.dims) {
    dims.push_back(d.is_fixed() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol));
  }
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

}  // namespace

absl::Status ValidateInputs(const std::vector<ValueInfo>& declared,
                            const std::vector<const Tensor*>& inputs) {
  if (inputs.size() != declared.size()) {
    std::vector<std::string> names;
    for (const ValueInfo& d : declared) names.push_back(d.name);
    return absl::InvalidArgumentError(
        absl::StrCat("the model takes ", declared.size(), " inputs (",
                     absl::StrJoin(names, ", "), ") but ", inputs.size(), " were given"));
  }
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < declared.size(); ++i) {
    const ValueInfo& want = declared[i];
    const Tensor* got = inputs[i];
    if (got == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("input '", want.name, "' is missing"));
    }
    if (want.dtype != DataType::kUndefined && got->dtype() != want.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", want.name, "' must be of type ", DataTypeName(want.dtype), ", got ",
          DataTypeName(got->dtype())));
    }
    if (!want.has_shape) continue;
    if (got->rank() != static_cast<int>(want.dims.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", want.name, "' must have rank ", want.dims.size(), " ",
          DeclaredShape(want), ", got rank ", got->rank(), " ", ShapeToString(got->shape())));
    }
    for (size_t d = 0; d < want.dims.size(); ++d) {
      const Dim& dim = want.dims[d];
      int64_t actual = got->dim(static_cast<int>(d));
      if (dim.is_fixed() && actual != dim.value) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", want.name, "' must have shape ", DeclaredShape(want), ", got ",
            ShapeToString(got->shape()), " (dimension ", d, " differs)"));
      }
      if (!dim.symbol.empty()) {
        auto [it, inserted] = symbols.emplace(dim.symbol, actual);
        if (!inserted && it->second != actual) {
          return absl::InvalidArgumentError(absl::StrCat(
              "input '", want.name, "' has ", dim.symbol, "=", actual,
              " but an earlier input has ", dim.symbol, "=", it->second));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
