#include "validation/signature_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace berth::validation {
namespace {

using engine::Dim;
using engine::ValueInfo;

std::string DimText(const Dim& d) {
  if (d.is_fixed()) return absl::StrCat(d.value);
  return d.symbol.empty() ? "?" : d.symbol;
}

const ValueInfo* Find(const std::vector<ValueInfo>& list, const std::string& name) {
  auto it =
      std::find_if(list.begin(), list.end(), [&](const ValueInfo& v) { return v.name == name; });
  return it == list.end() ? nullptr : &*it;
}

// Compares one tensor's shape; `is_input` decides which direction narrows.
void CompareShapes(const std::string& what, const ValueInfo& before, const ValueInfo& after,
                   bool is_input, SignatureDiff& diff) {
  if (!after.has_shape) {
    if (before.has_shape) {
      (is_input ? diff.compatible : diff.breaks)
          .push_back(absl::StrCat(what, " no longer declares its shape"));
    }
    return;
  }
  if (!before.has_shape) {
    (is_input ? diff.breaks : diff.compatible)
        .push_back(absl::StrCat(what, " now has rank ", after.dims.size()));
    return;
  }
  if (before.dims.size() != after.dims.size()) {
    diff.breaks.push_back(
        absl::StrCat(what, " changed rank from ", before.dims.size(), " to ", after.dims.size()));
    return;
  }
  for (size_t i = 0; i < before.dims.size(); ++i) {
    const Dim& b = before.dims[i];
    const Dim& a = after.dims[i];
    const std::string where = absl::StrCat(what, " dimension ", i);
    if (b.is_fixed() && a.is_fixed()) {
      if (b.value != a.value) {
        diff.breaks.push_back(absl::StrCat(where, " changed from ", b.value, " to ", a.value));
      }
    } else if (!b.is_fixed() && a.is_fixed()) {
      (is_input ? diff.breaks : diff.compatible)
          .push_back(absl::StrCat(where, " narrowed from ", DimText(b), " to ", a.value));
    } else if (b.is_fixed() && !a.is_fixed()) {
      (is_input ? diff.compatible : diff.breaks)
          .push_back(absl::StrCat(where, " widened from ", b.value, " to ", DimText(a)));
    }
  }
}

void CompareTensor(const std::string& what, const ValueInfo& before, const ValueInfo& after,
                   bool is_input, SignatureDiff& diff) {
  if (before.dtype != after.dtype) {
    diff.breaks.push_back(absl::StrCat(what, " changed type from ",
                                       engine::DataTypeName(before.dtype), " to ",
                                       engine::DataTypeName(after.dtype)));
    return;
  }
  CompareShapes(what, before, after, is_input, diff);
}

}  // namespace

SignatureDiff CompareSignatures(const std::vector<ValueInfo>& before_inputs,
                                const std::vector<ValueInfo>& before_outputs,
                                const std::vector<ValueInfo>& after_inputs,
                                const std::vector<ValueInfo>& after_outputs) {
  SignatureDiff diff;
  for (const ValueInfo& b : before_inputs) {
    const std::string what = absl::StrCat("input '", b.name, "'");
    const ValueInfo* a = Find(after_inputs, b.name);
    if (a == nullptr) {
      diff.breaks.push_back(absl::StrCat(what, " is gone (missing or renamed)"));
    } else {
      CompareTensor(what, b, *a, /*is_input=*/true, diff);
    }
  }
  for (const ValueInfo& a : after_inputs) {
    if (Find(before_inputs, a.name) == nullptr) {
      diff.breaks.push_back(
          absl::StrCat("new input '", a.name, "' is required (clients do not send it)"));
    }
  }
  for (const ValueInfo& b : before_outputs) {
    const std::string what = absl::StrCat("output '", b.name, "'");
    const ValueInfo* a = Find(after_outputs, b.name);
    if (a == nullptr) {
      diff.breaks.push_back(absl::StrCat(what, " is gone (missing or renamed)"));
    } else {
      CompareTensor(what, b, *a, /*is_input=*/false, diff);
    }
  }
  for (const ValueInfo& a : after_outputs) {
    if (Find(before_outputs, a.name) == nullptr) {
      diff.compatible.push_back(absl::StrCat("new output '", a.name, "'"));
    }
  }
  return diff;
}

}  // namespace berth::validation
