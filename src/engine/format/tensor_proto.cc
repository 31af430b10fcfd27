#include "engine/format/tensor_proto.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "engine/format/external_data.h"
#include "onnx/onnx_pb.h"

namespace berth::engine {
namespace {

// The largest tensor Tensor::Reshape allocates.
constexpr uint64_t kMaxExternalBytes = uint64_t{1} << 40;

absl::Status Bad(const onnx::TensorProto& proto, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(), "': ", why));
}

absl::Status CheckCount(const onnx::TensorProto& proto, int64_t have, int64_t want,
                        const char* field) {
  if (have == want) return absl::OkStatus();
  return Bad(proto, absl::StrCat(field, " has ", have, " values but the dims need ", want));
}

// Copies typed-field values into the tensor's storage, converting to the element type.
template <typename Dst, typename Field>
void CopyField(const Field& field, Tensor& tensor) {
  Dst* out = tensor.data<Dst>();
  for (int i = 0; i < field.size(); ++i) {
    if constexpr (std::is_same_v<Dst, Float16> || std::is_same_v<Dst, BFloat16>) {
      out[i].bits = static_cast<uint16_t>(field.Get(i));  // stored as raw bits
    } else {
      out[i] = static_cast<Dst>(field.Get(i));
    }
  }
}

// The typed field that holds `dtype`'s values, and how many values it has.
std::pair<const char*, int64_t> TypedField(const onnx::TensorProto& proto, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat:
      return {"float_data", proto.float_data_size()};
    case DataType::kDouble:
      return {"double_data", proto.double_data_size()};
    case DataType::kInt64:
      return {"int64_data", proto.int64_data_size()};
    case DataType::kUint32:
    case DataType::kUint64:
      return {"uint64_data", proto.uint64_data_size()};
    case DataType::kString:
      return {"string_data", proto.string_data_size()};
    default:
      return {"int32_data", proto.int32_data_size()};
  }
}

// Copies the typed field's values (as many as the tensor has elements: checked by the caller)
// into the tensor.
absl::Status FillFromTypedFields(const onnx::TensorProto& proto, Tensor& tensor) {
  switch (tensor.dtype()) {
    case DataType::kFloat:
      CopyField<float>(proto.float_data(), tensor);
      return absl::OkStatus();
    case DataType::kDouble:
      CopyField<double>(proto.double_data(), tensor);
      return absl::OkStatus();
    case DataType::kInt64:
      CopyField<int64_t>(proto.int64_data(), tensor);
      return absl::OkStatus();
    case DataType::kUint32:
      CopyField<uint32_t>(proto.uint64_data(), tensor);
      return absl::OkStatus();
    case DataType::kUint64:
      CopyField<uint64_t>(proto.uint64_data(), tensor);
      return absl::OkStatus();
    case DataType::kString:
      for (int64_t i = 0; i < tensor.num_elements(); ++i) {
        tensor.strings()[i] = proto.string_data(i);
      }
      return absl::OkStatus();
    default:
      break;
  }
  bool ok = VisitNumericType(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    CopyField<T>(proto.int32_data(), tensor);
  });
  if (!ok) return Bad(proto, "unsupported element type");
  return absl::OkStatus();
}

// Whether the payload holds the `n` elements of `dtype` that the dims promise; checked before the
// tensor is allocated, so that dims claiming 10^12 elements over an empty payload never reserve
// that memory.
absl::Status CheckPayload(const onnx::TensorProto& proto, DataType dtype, int64_t n) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    if (dtype == DataType::kString) return Bad(proto, "string tensors cannot be external");
    return absl::OkStatus();  // ReadExternalData checks the file's size before reading
  }
  if (proto.has_raw_data()) {
    if (dtype == DataType::kString) return Bad(proto, "string tensors cannot use raw_data");
    const size_t elem = DataTypeSize(dtype);
    const size_t have = proto.raw_data().size();
    if (elem == 0 || have % elem != 0 || have / elem != static_cast<uint64_t>(n)) {
      return Bad(proto, absl::StrCat("raw_data has ", have, " bytes but the dims and type need ", n,
                                     " elements of ", elem, " bytes"));
    }
    return absl::OkStatus();
  }
  const auto [field, have] = TypedField(proto, dtype);
  return CheckCount(proto, have, n, field);
}

absl::StatusOr<ExternalDataRef> ParseExternalRef(const onnx::TensorProto& proto) {
  ExternalDataRef ref;
  for (const auto& entry : proto.external_data()) {
    const std::string& key = entry.key();
    const std::string& value = entry.value();
    if (key == "location") {
      ref.location = value;
      continue;
    }
    if (key != "offset" && key != "length") continue;  // checksum etc. are advisory
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-' ||
        v > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
      return Bad(proto, absl::StrCat("external data ", key, " '", value, "' is not a number"));
    }
    if (key == "offset") ref.offset = v;
    if (key == "length") ref.length = static_cast<int64_t>(v);
  }
  return ref;
}

}  // namespace

absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto,
                                       const std::string& external_data_dir) {
  if (proto.has_segment()) return Bad(proto, "segmented tensors are not supported");
  if (!IsKnownDataType(proto.data_type())) {
    return absl::UnimplementedError(absl::StrCat("tensor '", proto.name(), "': element type ",
                                                 proto.data_type(),
                                                 " (ONNX TensorProto.DataType) is not supported"));
  }
  DataType dtype = static_cast<DataType>(proto.data_type());
  Shape shape(proto.dims().begin(), proto.dims().end());
  absl::StatusOr<int64_t> n = CheckedNumElements(shape);
  if (!n.ok()) return Bad(proto, std::string(n.status().message()));
  RETURN_IF_ERROR(CheckPayload(proto, dtype, *n));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    const size_t elem = DataTypeSize(dtype);  // not a string: CheckPayload refused those
    if (elem == 0 || static_cast<uint64_t>(*n) > kMaxExternalBytes / elem) {
      return Bad(proto, "external data of no fixed element size or larger than 1 TiB");
    }
    const size_t bytes = static_cast<size_t>(*n) * elem;
    ASSIGN_OR_RETURN(ExternalDataRef ref, ParseExternalRef(proto));
    ASSIGN_OR_RETURN(std::string data,
                     ReadExternalData(ref, external_data_dir, proto.name(), bytes));
    Tensor tensor;
    RETURN_IF_ERROR(tensor.Reshape(dtype, shape));
    if (bytes > 0) std::memcpy(tensor.raw_data(), data.data(), bytes);
    return tensor;
  }
  Tensor tensor;
  RETURN_IF_ERROR(tensor.Reshape(dtype, shape));
  const size_t bytes = tensor.byte_size();
  if (proto.has_raw_data()) {
    if (bytes > 0) std::memcpy(tensor.raw_data(), proto.raw_data().data(), bytes);
    return tensor;
  }
  RETURN_IF_ERROR(FillFromTypedFields(proto, tensor));
  return tensor;
}

absl::StatusOr<Tensor> TakeTensorFromProto(onnx::TensorProto& proto,
                                           const std::string& external_data_dir) {
  bool adoptable = proto.has_raw_data() && !proto.has_segment() &&
                   proto.data_location() != onnx::TensorProto::EXTERNAL &&
                   IsKnownDataType(proto.data_type()) &&
                   static_cast<DataType>(proto.data_type()) != DataType::kString;
  if (!adoptable) return TensorFromProto(proto, external_data_dir);
  DataType dtype = static_cast<DataType>(proto.data_type());
  Shape shape(proto.dims().begin(), proto.dims().end());
  absl::StatusOr<int64_t> n = CheckedNumElements(shape);
  if (!n.ok()) return Bad(proto, std::string(n.status().message()));
  uint64_t bytes = static_cast<uint64_t>(*n) * DataTypeSize(dtype);
  if (*n > 0 && bytes / static_cast<uint64_t>(*n) != DataTypeSize(dtype)) {
    return Bad(proto, "byte size overflows");
  }
  if (proto.raw_data().size() != bytes) {
    return Bad(proto, absl::StrCat("raw_data has ", proto.raw_data().size(),
                                   " bytes but the dims and type need ", bytes));
  }
  std::unique_ptr<std::string> data(proto.release_raw_data());
  return Tensor::AdoptBytes(dtype, std::move(shape), std::move(data));
}

absl::StatusOr<Tensor> TensorFromProtoBytes(std::string_view bytes) {
  onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("not a valid serialized ONNX TensorProto");
  }
  return TensorFromProto(proto);
}

absl::Status TensorToProto(const Tensor& tensor, const std::string& name,
                           onnx::TensorProto* proto) {
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  if (tensor.dtype() == DataType::kString) {
    for (const std::string& s : tensor.strings()) proto->add_string_data(s);
    return absl::OkStatus();
  }
  if (!IsKnownDataType(static_cast<int32_t>(tensor.dtype()))) {
    return absl::InvalidArgumentError("cannot serialize a tensor of undefined type");
  }
  proto->set_raw_data(tensor.raw_data(), tensor.byte_size());
  return absl::OkStatus();
}

absl::StatusOr<std::string> TensorToProtoBytes(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  RETURN_IF_ERROR(TensorToProto(tensor, name, &proto));
  std::string out;
  if (!proto.SerializeToString(&out)) {
    return absl::InternalError(absl::StrCat("cannot serialize tensor '", name, "'"));
  }
  return out;
}

absl::StatusOr<Tensor> ReadTensorFile(const std::string& path, std::string* name) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path, uint64_t{2} << 30));
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is not a serialized ONNX TensorProto"));
  }
  if (name != nullptr) *name = proto.name();
  absl::StatusOr<Tensor> tensor = TensorFromProto(proto);
  if (!tensor.ok()) {
    return absl::Status(tensor.status().code(),
                        absl::StrCat("'", path, "': ", tensor.status().message()));
  }
  return tensor;
}

absl::Status WriteTensorFile(const Tensor& tensor, const std::string& name,
                             const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, TensorToProtoBytes(tensor, name));
  return WriteStringToFile(path, bytes);
}

}  // namespace berth::engine
