#include "server/grpc/grpc_codec.h"

#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "protocol/datatype.h"
#include "protocol/raw_tensor.h"

namespace berth::server {
namespace {

using engine::DataType;
using engine::Tensor;
using InputTensor = inference::ModelInferRequest::InferInputTensor;

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

template <typename Field>
absl::Status CheckCount(const Field& field, int64_t count, const char* kind,
                        const std::string& where) {
  if (field.size() != count) {
    return Bad(where, absl::StrCat(kind, " holds ", field.size(), " values but the shape has ",
                                   count, " elements"));
  }
  return absl::OkStatus();
}

// Copies typed contents into a tensor of type T, checking each value fits.
template <typename T, typename Field>
absl::Status Store(const Field& field, Tensor& t, const char* kind, const std::string& where) {
  RETURN_IF_ERROR(CheckCount(field, t.num_elements(), kind, where));
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) {
    const auto v = field[i];
    if (std::is_integral_v<T> && static_cast<decltype(v)>(static_cast<T>(v)) != v) {
      return Bad(where, absl::StrCat(kind, " value ", i, " (", v, ") is out of the range of ",
                                     engine::DataTypeName(t.dtype())));
    }
    out[i] = static_cast<T>(v);
  }
  return absl::OkStatus();
}

absl::Status FillTyped(const inference::InferTensorContents& c, Tensor& t,
                       const std::string& where) {
  switch (t.dtype()) {
    case DataType::kBool:
      return Store<bool>(c.bool_contents(), t, "bool_contents", where);
    case DataType::kInt8:
      return Store<int8_t>(c.int_contents(), t, "int_contents", where);
    case DataType::kInt16:
      return Store<int16_t>(c.int_contents(), t, "int_contents", where);
    case DataType::kInt32:
      return Store<int32_t>(c.int_contents(), t, "int_contents", where);
    case DataType::kInt64:
      return Store<int64_t>(c.int64_contents(), t, "int64_contents", where);
    case DataType::kUint8:
      return Store<uint8_t>(c.uint_contents(), t, "uint_contents", where);
    case DataType::kUint16:
      return Store<uint16_t>(c.uint_contents(), t, "uint_contents", where);
    case DataType::kUint32:
      return Store<uint32_t>(c.uint_contents(), t, "uint_contents", where);
    case DataType::kUint64:
      return Store<uint64_t>(c.uint64_contents(), t, "uint64_contents", where);
    case DataType::kFloat:
      return Store<float>(c.fp32_contents(), t, "fp32_contents", where);
    case DataType::kDouble:
      return Store<double>(c.fp64_contents(), t, "fp64_contents", where);
    case DataType::kString:
      RETURN_IF_ERROR(CheckCount(c.bytes_contents(), t.num_elements(), "bytes_contents", where));
      for (int i = 0; i < c.bytes_contents_size(); ++i) t.strings()[i] = c.bytes_contents(i);
      return absl::OkStatus();
    default:
      return Bad(where, "FP16 and BF16 have no typed contents: send them in raw_input_contents");
  }
}

// Values given in a contents field other than the one of the datatype: refused, never dropped.
int TypedValueCount(const inference::InferTensorContents& c) {
  return c.bool_contents_size() + c.int_contents_size() + c.int64_contents_size() +
         c.uint_contents_size() + c.uint64_contents_size() + c.fp32_contents_size() +
         c.fp64_contents_size() + c.bytes_contents_size();
}

absl::StatusOr<protocol::InferInput> DecodeInput(const InputTensor& in, const std::string* raw,
                                                 const protocol::RequestLimits& limits) {
  const std::string where = absl::StrCat("input '", in.name(), "'");
  if (in.name().empty()) return absl::InvalidArgumentError("an input has no name");
  absl::StatusOr<DataType> dtype = protocol::ParseDatatype(in.datatype());
  if (!dtype.ok()) return Bad(where, std::string(dtype.status().message()));
  engine::Shape shape(in.shape().begin(), in.shape().end());
  ASSIGN_OR_RETURN(const int64_t count,
                   protocol::CheckedElementCount(shape, limits.max_elements_per_input, where));
  protocol::InferInput input{in.name(), Tensor()};
  if (raw != nullptr) {
    if (in.has_contents() && TypedValueCount(in.contents()) > 0) {
      return Bad(where, "has both typed contents and raw_input_contents");
    }
    ASSIGN_OR_RETURN(input.tensor,
                     protocol::TensorFromRawBytes(
                         *raw, *dtype, shape, count, where,
                         absl::StrCat("raw_input_contents of ", raw->size(), " bytes")));
    return input;
  }
  const inference::InferTensorContents& c = in.contents();
  const int given = TypedValueCount(c);
  input.tensor = Tensor(*dtype, shape);
  RETURN_IF_ERROR(FillTyped(c, input.tensor, where));
  if (given != count) {
    return Bad(where, absl::StrCat("has values in a contents field other than the one of ",
                                   in.datatype()));
  }
  return input;
}

absl::Status DecodeParameters(const inference::ModelInferRequest& req,
                              protocol::InferRequest& out) {
  auto timeout = req.parameters().find("timeout");
  if (timeout == req.parameters().end()) return absl::OkStatus();
  const inference::InferParameter& p = timeout->second;
  if (p.parameter_choice_case() != inference::InferParameter::kInt64Param || p.int64_param() < 0) {
    return absl::InvalidArgumentError(
        "the 'timeout' parameter must be a non-negative int64 (microseconds)");
  }
  out.timeout_us = p.int64_param();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VersionRef> ParseVersionField(const std::string& text) {
  return ParseVersionRef(text);
}

absl::StatusOr<protocol::InferRequest> DecodeInferRequest(const inference::ModelInferRequest& req,
                                                          const protocol::RequestLimits& limits) {
  if (req.inputs_size() > limits.max_inputs) {
    return absl::InvalidArgumentError(absl::StrCat("the request has ", req.inputs_size(),
                                                   " inputs, more than the limit of ",
                                                   limits.max_inputs));
  }
  const bool raw = req.raw_input_contents_size() > 0;
  if (raw && req.raw_input_contents_size() != req.inputs_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw_input_contents has ", req.raw_input_contents_size(), " entries for ",
                     req.inputs_size(), " inputs: give every input raw, or none"));
  }
  protocol::InferRequest out;
  out.id = req.id();
  std::set<std::string> names;
  for (int i = 0; i < req.inputs_size(); ++i) {
    if (!names.insert(req.inputs(i).name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", req.inputs(i).name(), "' is given twice"));
    }
    ASSIGN_OR_RETURN(
        protocol::InferInput input,
        DecodeInput(req.inputs(i), raw ? &req.raw_input_contents(i) : nullptr, limits));
    out.inputs.push_back(std::move(input));
  }
  for (const auto& o : req.outputs()) out.outputs.push_back({o.name(), true});
  RETURN_IF_ERROR(DecodeParameters(req, out));
  return out;
}

absl::Status EncodeInferResponse(const protocol::InferResponse& response,
                                 inference::ModelInferResponse* out) {
  out->set_model_name(response.model_name);
  out->set_model_version(response.model_version);
  if (!response.model_digest.empty()) {
    (*out->mutable_parameters())[protocol::kModelDigestParameter].set_string_param(
        response.model_digest);
  }
  out->set_id(response.id);
  for (const protocol::InferOutput& o : response.outputs) {
    absl::StatusOr<std::string> datatype =
        protocol::DatatypeNameFor(o.tensor.dtype(), absl::StrCat("output '", o.name, "'"));
    if (!datatype.ok()) return datatype.status();
    auto* t = out->add_outputs();
    t->set_name(o.name);
    t->set_datatype(*datatype);
    for (int64_t d : o.tensor.shape()) t->add_shape(d);
    protocol::AppendRawBytes(o.tensor, out->add_raw_output_contents());
  }
  return absl::OkStatus();
}

}  // namespace berth::server
