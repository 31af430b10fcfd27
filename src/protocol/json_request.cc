// The request half of json_codec.h: the JSON reader and the binary inputs.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "protocol/datatype.h"
#include "protocol/json_codec.h"
#include "protocol/json_data_text.h"
#include "protocol/json_number.h"
#include "protocol/raw_tensor.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace berth::protocol {
namespace {

using engine::DataType;
using engine::Tensor;
using Json = rapidjson::Value;

constexpr char kOutOfRange[] = " is not an integer in the datatype's range";

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(where.empty() ? what : absl::StrCat(where, ": ", what));
}

// The characters NestingDepth looks at; it skips the others (most of a request's bytes).
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> table{};
  for (const char c : {'"', '\\', '[', ']', '{', '}'}) table[static_cast<uint8_t>(c)] = true;
  return table;
}();

// The deepest nesting of arrays and objects in `json`, strings skipped; stops counting past
// `limit` (the parser runs only when this is within the limit, so nothing recurses deeper).
int NestingDepth(absl::string_view json, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  const char* p = json.data();
  const char* const end = p + json.size();
  while (deepest <= limit) {
    while (p < end && !kStructural[static_cast<uint8_t>(*p)]) ++p;
    if (p >= end) break;
    const char c = *p++;
    if (in_string) {
      if (c == '\\')
        ++p;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

const Json* Member(const Json& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

absl::StatusOr<bool> OptionalBool(const Json& object, const char* key, const std::string& where) {
  const Json* v = Member(object, key);
  if (v == nullptr) return false;
  if (!v->IsBool()) return Bad(where, absl::StrCat("parameter '", key, "' must be true or false"));
  return v->GetBool();
}

// Appends the leaves of `data` (nested arrays flattened, row-major) to `leaves`, refusing more
// than `max` of them.
absl::Status Flatten(const Json& data, int64_t max, std::vector<const Json*>* leaves,
                     const std::string& where) {
  if (!data.IsArray()) {
    if (static_cast<int64_t>(leaves->size()) >= max) {
      return Bad(where, "'data' holds more elements than the shape");
    }
    leaves->push_back(&data);
    return absl::OkStatus();
  }
  for (const Json& item : data.GetArray()) RETURN_IF_ERROR(Flatten(item, max, leaves, where));
  return absl::OkStatus();
}

template <typename T>
absl::Status StoreNumbers(const std::vector<const Json*>& leaves, Tensor& t,
                          const std::string& where) {
  T* out = t.data<T>();
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Json& v = *leaves[i];
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.IsBool()) return Bad(where, absl::StrCat("element ", i, " is not true or false"));
      out[i] = v.GetBool();
    } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, engine::Float16> ||
                         std::is_same_v<T, engine::BFloat16>) {
      if (!v.IsNumber()) return Bad(where, absl::StrCat("element ", i, " is not a number"));
      if constexpr (std::is_same_v<T, double>) {
        out[i] = v.GetDouble();
      } else {
        out[i] = T(static_cast<float>(v.GetDouble()));
      }
    } else if constexpr (std::is_signed_v<T>) {
      if (!v.IsInt64() || v.GetInt64() < std::numeric_limits<T>::min() ||
          v.GetInt64() > std::numeric_limits<T>::max()) {
        return Bad(where, absl::StrCat("element ", i, kOutOfRange));
      }
      out[i] = static_cast<T>(v.GetInt64());
    } else {
      if (!v.IsUint64() || v.GetUint64() > std::numeric_limits<T>::max()) {
        return Bad(where, absl::StrCat("element ", i, kOutOfRange));
      }
      out[i] = static_cast<T>(v.GetUint64());
    }
  }
  return absl::OkStatus();
}

absl::Status FillFromLeaves(const std::vector<const Json*>& leaves, Tensor& t,
                            const std::string& where) {
  if (t.dtype() == DataType::kString) {
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (!leaves[i]->IsString()) {
        return Bad(where, absl::StrCat("element ", i, " is not a string"));
      }
      t.strings()[i].assign(leaves[i]->GetString(), leaves[i]->GetStringLength());
    }
    return absl::OkStatus();
  }
  absl::Status status = Bad(where, "unsupported datatype");
  engine::VisitNumericType(
      t.dtype(), [&](auto zero) { status = StoreNumbers<decltype(zero)>(leaves, t, where); });
  return status;
}

// The tensor `data` spells. The data is checked against the shape before the tensor is
// allocated, so a large shape with little data costs nothing.
absl::StatusOr<Tensor> TensorFromJson(const Json& data, DataType dtype, const engine::Shape& dims,
                                      int64_t count, const std::string& where) {
  std::vector<const Json*> leaves;
  RETURN_IF_ERROR(Flatten(data, count, &leaves, where));
  if (static_cast<int64_t>(leaves.size()) != count) {
    return Bad(where, absl::StrCat("'data' holds ", leaves.size(), " elements, the shape ",
                                   engine::ShapeToString(dims), " needs ", count));
  }
  Tensor t(dtype, dims);
  RETURN_IF_ERROR(FillFromLeaves(leaves, t, where));
  return t;
}

// The tensor made of `size` bytes taken from *binary (raw elements, or length-prefixed
// strings), checked against the shape before anything is allocated.
absl::StatusOr<Tensor> TensorFromBinary(absl::string_view* binary, int64_t size, DataType dtype,
                                        const engine::Shape& dims, int64_t count,
                                        const std::string& where) {
  if (size < 0 || static_cast<uint64_t>(size) > binary->size()) {
    return Bad(where, absl::StrCat("binary_data_size ", size, " is more than the ", binary->size(),
                                   " bytes of binary data left in the body"));
  }
  absl::string_view bytes = binary->substr(0, static_cast<size_t>(size));
  binary->remove_prefix(static_cast<size_t>(size));
  return TensorFromRawBytes(bytes, dtype, dims, count, where,
                            absl::StrCat("binary_data_size ", size));
}

// The inputs' data values the fast reader takes (json_data_text.h), when the request was cut;
// `declined` is set when it leaves the request to the DOM parse after all.
struct FastData {
  const std::vector<std::optional<DataText>>* data = nullptr;
  bool declined = false;
};

absl::Status Decline(FastData* fast) {
  fast->declined = true;
  return absl::AbortedError("the fast reader leaves this request to the DOM parse");
}

// The tensor read from the text of its data value, or the DOM parse's turn.
absl::StatusOr<Tensor> TensorFromDataText(const DataText& data, DataType dtype,
                                          const engine::Shape& dims, int64_t count,
                                          FastData* fast) {
  if (data.leaves != count || dtype == DataType::kString) return Decline(fast);
  Tensor t(dtype, dims);
  if (!ReadDataText(data, t)) return Decline(fast);
  return t;
}

absl::StatusOr<InferInput> ParseInput(const Json& in, const RequestLimits& limits,
                                      absl::string_view* binary, size_t index, FastData* fast) {
  if (!in.IsObject()) return Bad(absl::StrCat("inputs[", index, "]"), "must be an object");
  const Json* name = Member(in, "name");
  if (name == nullptr || !name->IsString() || name->GetStringLength() == 0) {
    return Bad(absl::StrCat("inputs[", index, "]"), "needs a 'name' string");
  }
  InferInput input;
  input.name.assign(name->GetString(), name->GetStringLength());
  const std::string where = absl::StrCat("input '", input.name, "'");
  const Json* datatype = Member(in, "datatype");
  if (datatype == nullptr || !datatype->IsString()) return Bad(where, "needs a 'datatype' string");
  absl::StatusOr<DataType> dtype =
      ParseDatatype(absl::string_view(datatype->GetString(), datatype->GetStringLength()));
  if (!dtype.ok()) return Bad(where, std::string(dtype.status().message()));
  const Json* shape = Member(in, "shape");
  if (shape == nullptr || !shape->IsArray()) return Bad(where, "needs a 'shape' array");
  engine::Shape dims;
  for (const Json& d : shape->GetArray()) {
    if (!d.IsInt64() || d.GetInt64() < 0) {
      return Bad(where, "'shape' must hold non-negative integers");
    }
    dims.push_back(d.GetInt64());
  }
  ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(dims, limits.max_elements_per_input, where));
  const Json* params = Member(in, "parameters");
  const Json* binary_size =
      params != nullptr && params->IsObject() ? Member(*params, "binary_data_size") : nullptr;
  const Json* data = Member(in, "data");
  if (binary_size != nullptr) {
    if (data != nullptr) return Bad(where, "has both 'data' and binary_data_size");
    if (!binary_size->IsInt64()) return Bad(where, "binary_data_size must be an integer");
    ASSIGN_OR_RETURN(input.tensor,
                     TensorFromBinary(binary, binary_size->GetInt64(), *dtype, dims, count, where));
  } else {
    if (data == nullptr) return Bad(where, "needs 'data' or the binary_data_size parameter");
    if (fast != nullptr && (*fast->data)[index].has_value()) {  // the cut data value
      ASSIGN_OR_RETURN(input.tensor,
                       TensorFromDataText(*(*fast->data)[index], *dtype, dims, count, fast));
    } else {
      ASSIGN_OR_RETURN(input.tensor, TensorFromJson(*data, *dtype, dims, count, where));
    }
  }
  return input;
}

absl::Status ParseOutputs(const Json& outputs, InferRequest& request) {
  if (!outputs.IsArray()) return Bad("", "'outputs' must be an array");
  std::set<std::string> seen;
  for (const Json& out : outputs.GetArray()) {
    const Json* name = out.IsObject() ? Member(out, "name") : nullptr;
    if (name == nullptr || !name->IsString()) return Bad("outputs", "each needs a 'name' string");
    RequestedOutput requested;
    requested.name.assign(name->GetString(), name->GetStringLength());
    const std::string where = absl::StrCat("output '", requested.name, "'");
    if (!seen.insert(requested.name).second) return Bad(where, "is asked for twice");
    if (const Json* params = Member(out, "parameters"); params != nullptr && params->IsObject()) {
      ASSIGN_OR_RETURN(requested.binary, OptionalBool(*params, "binary_data", where));
    }
    request.outputs.push_back(std::move(requested));
  }
  return absl::OkStatus();
}

absl::Status ParseParameters(const Json& params, InferRequest& request) {
  if (!params.IsObject()) return Bad("", "'parameters' must be an object");
  ASSIGN_OR_RETURN(request.binary_outputs, OptionalBool(params, "binary_data_output", ""));
  if (const Json* timeout = Member(params, "timeout")) {
    if (!timeout->IsInt64() || timeout->GetInt64() < 0) {
      return Bad("", "parameter 'timeout' must be a non-negative integer (microseconds)");
    }
    request.timeout_us = timeout->GetInt64();
  }
  return absl::OkStatus();
}

// The request read through a RapidJSON DOM of `json`; with `fast`, `json` is the cut text and
// the inputs' data values are read from the original's.
absl::StatusOr<InferRequest> ParseDom(absl::string_view json, absl::string_view binary,
                                      const RequestLimits& limits, FastData* fast) {
  rapidjson::Document doc;
  const rapidjson::ParseResult parsed = ParseJsonDocument(json, &doc);
  if (parsed.IsError()) {
    if (fast != nullptr) return Decline(fast);  // the error's offset is the original text's
    return Bad("", absl::StrCat("the request is not valid JSON (",
                                rapidjson::GetParseError_En(parsed.Code()), " at byte ",
                                parsed.Offset(), ")"));
  }
  if (!doc.IsObject()) return Bad("", "the request must be a JSON object");
  InferRequest request;
  if (const Json* id = Member(doc, "id")) {
    if (!id->IsString()) return Bad("", "'id' must be a string");
    request.id.assign(id->GetString(), id->GetStringLength());
  }
  if (const Json* params = Member(doc, "parameters")) {
    RETURN_IF_ERROR(ParseParameters(*params, request));
  }
  const Json* inputs = Member(doc, "inputs");
  if (inputs == nullptr || !inputs->IsArray()) {
    return Bad("", "the request needs an 'inputs' array");
  }
  if (inputs->Size() > static_cast<unsigned>(limits.max_inputs)) {
    return Bad("", absl::StrCat("more than ", limits.max_inputs, " inputs"));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < inputs->Size(); ++i) {
    if (fast != nullptr && i >= fast->data->size()) return Decline(fast);
    ASSIGN_OR_RETURN(InferInput input, ParseInput((*inputs)[i], limits, &binary, i, fast));
    if (!names.insert(input.name).second) {
      return Bad(absl::StrCat("input '", input.name, "'"), "is given twice");
    }
    request.inputs.push_back(std::move(input));
  }
  if (!binary.empty()) {
    return Bad("", absl::StrCat(binary.size(),
                                " bytes of binary data follow the inputs that no input claims"));
  }
  if (const Json* outputs = Member(doc, "outputs")) {
    RETURN_IF_ERROR(ParseOutputs(*outputs, request));
  }
  return request;
}

absl::Status CheckDepth(absl::string_view json, const RequestLimits& limits) {
  if (NestingDepth(json, limits.max_json_depth) > limits.max_json_depth) {
    return Bad("", absl::StrCat("the JSON nests deeper than ", limits.max_json_depth, " levels"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InferRequest> ParseInferRequestJson(absl::string_view json, absl::string_view binary,
                                                   const RequestLimits& limits) {
  RETURN_IF_ERROR(CheckDepth(json, limits));
  if (std::optional<CutRequest> cut = CutDataValues(json)) {
    FastData fast{&cut->data};
    absl::StatusOr<InferRequest> request = ParseDom(cut->text, binary, limits, &fast);
    if (!fast.declined) return request;
  }
  return ParseDom(json, binary, limits, nullptr);
}

absl::StatusOr<InferRequest> ParseInferRequestJsonDom(absl::string_view json,
                                                      absl::string_view binary,
                                                      const RequestLimits& limits) {
  RETURN_IF_ERROR(CheckDepth(json, limits));
  return ParseDom(json, binary, limits, nullptr);
}

}  // namespace berth::protocol
