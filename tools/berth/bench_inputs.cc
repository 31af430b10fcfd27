#include "bench_inputs.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "engine/core/data_type.h"

namespace berth::cli {
namespace {

using engine::DataType;

absl::StatusOr<int64_t> ParseDim(absl::string_view text, const std::string& spec) {
  int64_t value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--shape '", spec, "': '", text,
                                                   "' is not a non-negative integer dimension"));
  }
  return value;
}

std::string ShapeText(const engine::Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

// A float in [0, 1): 24 random mantissa bits, so rounding can never reach 1.
float UnitFloat(std::mt19937_64& rng) { return static_cast<float>(rng() >> 40) * 0x1p-24f; }

}  // namespace

absl::StatusOr<ShapeOverrides> ParseShapeOverrides(const std::vector<std::string>& specs) {
  ShapeOverrides overrides;
  for (const std::string& spec : specs) {
    size_t eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shape '", spec, "' must have the form NAME=d0,d1,..."));
    }
    std::string name = spec.substr(0, eq);
    absl::string_view dims_text = absl::string_view(spec).substr(eq + 1);
    engine::Shape shape;
    if (!dims_text.empty()) {
      for (absl::string_view part : absl::StrSplit(dims_text, ',')) {
        ASSIGN_OR_RETURN(int64_t dim, ParseDim(part, spec));
        shape.push_back(dim);
      }
    }
    if (!overrides.emplace(name, shape).second) {
      return absl::InvalidArgumentError(absl::StrCat("--shape given twice for '", name, "'"));
    }
  }
  return overrides;
}

absl::StatusOr<engine::Shape> ResolveBenchShape(const engine::ValueInfo& info, int64_t batch,
                                                const ShapeOverrides& overrides) {
  auto it = overrides.find(info.name);
  if (it != overrides.end()) {
    const engine::Shape& shape = it->second;
    if (!info.has_shape) return shape;
    if (shape.size() != info.dims.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shape for input '", info.name, "' has rank ", shape.size(),
                       " but the model declares rank ", info.dims.size()));
    }
    for (size_t i = 0; i < shape.size(); ++i) {
      if (info.dims[i].is_fixed() && info.dims[i].value != shape[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("--shape for input '", info.name, "' sets dim ", i, " to ", shape[i],
                         " but the model fixes it to ", info.dims[i].value));
      }
    }
    return shape;
  }
  if (!info.has_shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", info.name, "' has no declared shape; pass --shape ", info.name,
                     "=d0,d1,..."));
  }
  engine::Shape shape;
  for (size_t i = 0; i < info.dims.size(); ++i) {
    const engine::Dim& dim = info.dims[i];
    if (dim.is_fixed()) {
      shape.push_back(dim.value);
    } else if (i == 0) {
      shape.push_back(batch);
    } else {
      std::string what = dim.symbol.empty() ? std::string("unknown")
                                            : absl::StrCat("symbolic ('", dim.symbol, "')");
      return absl::InvalidArgumentError(
          absl::StrCat("input '", info.name, "' dim ", i, " is ", what, "; pass --shape ",
                       info.name, "=d0,d1,... to give its whole shape"));
    }
  }
  return shape;
}

void FillRandom(engine::Tensor* tensor, std::mt19937_64& rng) {
  const int64_t n = tensor->num_elements();
  switch (tensor->dtype()) {
    case DataType::kFloat:
      for (float& v : tensor->span<float>()) v = UnitFloat(rng);
      return;
    case DataType::kDouble:
      for (double& v : tensor->span<double>()) v = static_cast<double>(rng() >> 11) * 0x1p-53;
      return;
    case DataType::kFloat16:
      // Rounding to half can reach 1.0 from just below it; clamp to the largest half < 1.
      for (engine::Float16& v : tensor->span<engine::Float16>()) {
        v = engine::Float16(UnitFloat(rng));
        if (static_cast<float>(v) >= 1.0f) v = engine::Float16(0.99951171875f);
      }
      return;
    case DataType::kBFloat16:
      for (engine::BFloat16& v : tensor->span<engine::BFloat16>()) {
        v = engine::BFloat16(UnitFloat(rng));
        if (static_cast<float>(v) >= 1.0f) v = engine::BFloat16(0.99609375f);
      }
      return;
    case DataType::kBool:
      for (bool& v : tensor->span<bool>()) v = (rng() >> 63) != 0;
      return;
    case DataType::kString:
      for (int64_t i = 0; i < n; ++i) tensor->strings()[i] = std::to_string(rng() % 100);
      return;
    default:
      engine::VisitNumericType(tensor->dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* data = tensor->data<T>();
        for (int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(rng() % 100);
      });
      return;
  }
}

absl::StatusOr<std::vector<engine::Tensor>> MakeBenchInputs(
    const std::vector<engine::ValueInfo>& inputs, int64_t batch, const ShapeOverrides& overrides,
    uint64_t seed) {
  for (const auto& [name, shape] : overrides) {
    bool found = false;
    for (const engine::ValueInfo& info : inputs) found = found || info.name == name;
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--shape names '", name, "', which is not a model input (inputs: ",
          absl::StrJoin(inputs, ", ",
                        [](std::string* out, const engine::ValueInfo& i) { out->append(i.name); }),
          ")"));
    }
  }
  std::mt19937_64 rng(seed);
  std::vector<engine::Tensor> tensors;
  tensors.reserve(inputs.size());
  for (const engine::ValueInfo& info : inputs) {
    ASSIGN_OR_RETURN(engine::Shape shape, ResolveBenchShape(info, batch, overrides));
    if (!engine::IsKnownDataType(static_cast<int32_t>(info.dtype))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", info.name, "' has type ", engine::DataTypeName(info.dtype),
          ", which bench cannot generate"));
    }
    engine::Tensor tensor;
    absl::Status st = tensor.Reshape(info.dtype, shape);
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("input '", info.name, "' of shape ",
                                                  ShapeText(shape), ": ", st.message()));
    }
    FillRandom(&tensor, rng);
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

}  // namespace berth::cli
