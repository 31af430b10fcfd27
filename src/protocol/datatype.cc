#include "protocol/datatype.h"

#include <array>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::protocol {
namespace {

using engine::DataType;

constexpr std::array<std::pair<const char*, DataType>, 14> kDatatypes = {{
    {"BOOL", DataType::kBool},       {"UINT8", DataType::kUint8},
    {"UINT16", DataType::kUint16},   {"UINT32", DataType::kUint32},
    {"UINT64", DataType::kUint64},   {"INT8", DataType::kInt8},
    {"INT16", DataType::kInt16},     {"INT32", DataType::kInt32},
    {"INT64", DataType::kInt64},     {"FP16", DataType::kFloat16},
    {"FP32", DataType::kFloat},      {"FP64", DataType::kDouble},
    {"BYTES", DataType::kString},    {"BF16", DataType::kBFloat16},
}};

template <typename Half>
engine::Tensor HalfToFloat(const engine::Tensor& half) {
  engine::Tensor out(DataType::kFloat, half.shape());
  const Half* in = half.data<Half>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < half.num_elements(); ++i) dst[i] = static_cast<float>(in[i]);
  return out;
}

}  // namespace

absl::StatusOr<DataType> ParseDatatype(absl::string_view name) {
  for (const auto& [protocol_name, type] : kDatatypes) {
    if (name == protocol_name) return type;
  }
  std::vector<std::string> known;
  for (const auto& entry : kDatatypes) known.push_back(entry.first);
  return absl::InvalidArgumentError(absl::StrCat("unknown datatype '", name.substr(0, 32),
                                                 "' (known: ", absl::StrJoin(known, ", "), ")"));
}

absl::StatusOr<std::string> DatatypeName(DataType type) {
  for (const auto& [protocol_name, t] : kDatatypes) {
    if (t == type) return std::string(protocol_name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the inference protocol has no datatype for ", engine::DataTypeName(type)));
}

absl::StatusOr<std::string> DatatypeNameFor(DataType type, absl::string_view what) {
  absl::StatusOr<std::string> name = DatatypeName(type);
  if (!name.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", name.status().message()));
  }
  return name;
}

absl::StatusOr<int64_t> CheckedElementCount(absl::Span<const int64_t> shape,
                                            int64_t max_elements, const std::string& what) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": shape ",
                                                     engine::ShapeToString(shape),
                                                     " has a negative dimension"));
    }
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": shape ", engine::ShapeToString(shape), " has too many elements"));
    }
    count *= d;
  }
  if (count > max_elements) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": shape ", engine::ShapeToString(shape),
                                                   " has ", count, " elements, more than the ",
                                                   max_elements, " allowed"));
  }
  return count;
}

absl::StatusOr<engine::Tensor> ConvertInput(const std::string& name, engine::Tensor given,
                                            DataType wanted) {
  if (given.dtype() == wanted) return given;
  if (wanted == DataType::kFloat && given.dtype() == DataType::kFloat16) {
    return HalfToFloat<engine::Float16>(given);
  }
  if (wanted == DataType::kFloat && given.dtype() == DataType::kBFloat16) {
    return HalfToFloat<engine::BFloat16>(given);
  }
  auto protocol_name = [](DataType t) {
    absl::StatusOr<std::string> n = DatatypeName(t);
    return n.ok() ? *n : engine::DataTypeName(t);
  };
  return absl::InvalidArgumentError(absl::StrCat("input '", name, "': the model expects ",
                                                 protocol_name(wanted), ", got ",
                                                 protocol_name(given.dtype())));
}

}  // namespace berth::protocol
