#include "protocol/raw_tensor.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth::protocol {
namespace {

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(where.empty() ? what : absl::StrCat(where, ": ", what));
}

}  // namespace

absl::StatusOr<engine::Tensor> TensorFromRawBytes(absl::string_view bytes,
                                                  engine::DataType dtype,
                                                  const engine::Shape& shape, int64_t count,
                                                  const std::string& where,
                                                  const std::string& size_name) {
  const bool strings = dtype == engine::DataType::kString;
  const uint64_t need = strings ? 4 * static_cast<uint64_t>(count)  // the length prefixes
                                : static_cast<uint64_t>(count) * engine::DataTypeSize(dtype);
  if (strings ? bytes.size() < need : bytes.size() != need) {
    return Bad(where, absl::StrCat(size_name, " does not match the shape ",
                                   engine::ShapeToString(shape), " (", need, " bytes",
                                   strings ? " at least" : "", ")"));
  }
  engine::Tensor t(dtype, shape);
  if (!strings) {
    if (!bytes.empty()) std::memcpy(t.raw_data(), bytes.data(), bytes.size());
    return t;
  }
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    uint32_t length = 0;
    if (bytes.size() < 4) return Bad(where, absl::StrCat("BYTES element ", i, " is cut short"));
    for (int b = 3; b >= 0; --b) length = (length << 8) | static_cast<uint8_t>(bytes[b]);
    bytes.remove_prefix(4);
    if (length > bytes.size()) {
      return Bad(where, absl::StrCat("BYTES element ", i, " is cut short"));
    }
    t.strings()[i].assign(bytes.data(), length);
    bytes.remove_prefix(length);
  }
  if (!bytes.empty()) {
    return Bad(where, absl::StrCat(bytes.size(), " bytes follow the last BYTES element"));
  }
  return t;
}

size_t AppendRawBytes(const engine::Tensor& t, std::string* out) {
  const size_t before = out->size();
  if (t.dtype() != engine::DataType::kString) {
    out->append(static_cast<const char*>(t.raw_data()), t.byte_size());
    return t.byte_size();
  }
  for (const std::string& s : t.strings()) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    for (int b = 0; b < 4; ++b) out->push_back(static_cast<char>((n >> (8 * b)) & 0xff));
    out->append(s);
  }
  return out->size() - before;
}

}  // namespace berth::protocol
