#include "dataset/npy.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace berth::dataset {
namespace {

using engine::DataType;

constexpr std::string_view kMagic("\x93NUMPY", 6);

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("not a valid .npy file: ", what));
}

// The parsed header dict.
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<int64_t>> shape;
};

// A cursor over the header's Python literal; accepts only what numpy writes: a dict of
// string keys to a string, True/False, or a tuple of non-negative integers.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  absl::StatusOr<NpyHeader> Parse(int max_rank) {
    NpyHeader header;
    RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      ASSIGN_OR_RETURN(std::string key, String());
      RETURN_IF_ERROR(Expect(':'));
      if (key == "descr") {
        if (header.descr) return Bad("the header names 'descr' twice");
        ASSIGN_OR_RETURN(header.descr, String());
      } else if (key == "fortran_order") {
        if (header.fortran_order) return Bad("the header names 'fortran_order' twice");
        ASSIGN_OR_RETURN(header.fortran_order, Bool());
      } else if (key == "shape") {
        if (header.shape) return Bad("the header names 'shape' twice");
        ASSIGN_OR_RETURN(header.shape, Tuple(max_rank));
      } else {
        return Bad(absl::StrCat("unknown header key '", key, "'"));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') break;
      return Bad("expected ',' or '}' in the header");
    }
    ++pos_;
    SkipSpace();
    if (pos_ != text_.size()) return Bad("text after the header's closing '}'");
    if (!header.descr || !header.fortran_order || !header.shape) {
      return Bad("the header lacks 'descr', 'fortran_order' or 'shape'");
    }
    return header;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  absl::Status Expect(char c) {
    SkipSpace();
    if (Peek() != c) return Bad(absl::StrCat("expected '", std::string(1, c), "' in the header"));
    ++pos_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> String() {
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Bad("expected a quoted string in the header");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) return Bad("unterminated string in the header");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  absl::StatusOr<bool> Bool() {
    SkipSpace();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    return Bad("'fortran_order' must be True or False");
  }
  absl::StatusOr<std::vector<int64_t>> Tuple(int max_rank) {
    RETURN_IF_ERROR(Expect('('));
    std::vector<int64_t> dims;
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Bad("the shape must be a tuple of non-negative integers");
      }
      int64_t dim = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (dim > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          return Bad("a dimension of the shape is too large");
        }
        dim = dim * 10 + (text_[pos_++] - '0');
      }
      if (Peek() == 'L') ++pos_;  // Python 2's long suffix
      dims.push_back(dim);
      if (static_cast<int>(dims.size()) > max_rank) {
        return Bad(absl::StrCat("the shape has more than ", max_rank, " dimensions"));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != ')') return Bad("expected ',' or ')' in the shape");
    }
    ++pos_;
    return dims;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The engine type of a descr such as '<f4' or '|u1'.
absl::StatusOr<DataType> DtypeOf(const std::string& descr) {
  if (descr.size() < 3) return Bad(absl::StrCat("unsupported dtype '", descr, "'"));
  const char order = descr[0];
  const std::string kind = descr.substr(1);
  if (order == '>') {
    return Bad(absl::StrCat("big-endian data ('", descr,
                            "') is not supported; save it "
                            "little-endian (array.astype('<",
                            kind, "'))"));
  }
  if (order != '<' && order != '|') {
    return Bad(absl::StrCat("unsupported byte order in dtype '", descr, "'"));
  }
  static const std::vector<std::pair<std::string, DataType>> kTypes = {
      {"f2", DataType::kFloat16}, {"f4", DataType::kFloat},  {"f8", DataType::kDouble},
      {"i1", DataType::kInt8},    {"i2", DataType::kInt16},  {"i4", DataType::kInt32},
      {"i8", DataType::kInt64},   {"u1", DataType::kUint8},  {"u2", DataType::kUint16},
      {"u4", DataType::kUint32},  {"u8", DataType::kUint64}, {"b1", DataType::kBool},
  };
  for (const auto& [name, type] : kTypes) {
    if (kind != name) continue;
    if (order == '|' && engine::DataTypeSize(type) != 1) {
      return Bad(absl::StrCat("dtype '", descr, "' has no byte order ('<' expected)"));
    }
    return type;
  }
  return Bad(absl::StrCat("unsupported dtype '", descr,
                          "' (supported: float16/32/64, int8-64, uint8-64, bool)"));
}

uint32_t ReadLittleEndian(std::string_view bytes, size_t offset, int width) {
  uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// The element count of `shape`; InvalidArgument when it overflows.
absl::StatusOr<uint64_t> ElementCount(const std::vector<int64_t>& shape) {
  uint64_t count = 1;
  for (int64_t d : shape) {
    const uint64_t dim = static_cast<uint64_t>(d);
    if (dim != 0 && count > std::numeric_limits<uint64_t>::max() / 2 / dim / 8) {
      return Bad("the shape's element count overflows");
    }
    count *= dim;
  }
  return count;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace

absl::StatusOr<engine::Tensor> ParseNpy(std::string_view bytes, const NpyLimits& limits) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic) {
    return Bad("it does not start with the \\x93NUMPY magic");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const int length_width = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) {
    return Bad(absl::StrCat("format version ", major, " (supported: 1, 2 and 3)"));
  }
  if (bytes.size() < 8u + length_width) return Bad("the file ends inside its preamble");
  const uint64_t header_bytes = ReadLittleEndian(bytes, 8, length_width);
  if (header_bytes > limits.max_header_bytes) {
    return Bad(absl::StrCat("its header of ", header_bytes, " bytes exceeds the limit of ",
                            limits.max_header_bytes));
  }
  const uint64_t data_offset = 8 + length_width + header_bytes;
  if (data_offset > bytes.size()) {
    return Bad(absl::StrCat("the header claims ", header_bytes, " bytes but the file has only ",
                            bytes.size() - 8 - length_width));
  }
  HeaderParser parser(bytes.substr(8 + length_width, header_bytes));
  ASSIGN_OR_RETURN(NpyHeader header, parser.Parse(limits.max_rank));
  if (*header.fortran_order) {
    return Bad(
        "Fortran order (fortran_order: True) is not supported; save a C-ordered array "
        "(numpy.ascontiguousarray)");
  }
  ASSIGN_OR_RETURN(DataType dtype, DtypeOf(*header.descr));
  ASSIGN_OR_RETURN(uint64_t count, ElementCount(*header.shape));
  const uint64_t data_bytes = count * engine::DataTypeSize(dtype);
  if (data_bytes > limits.max_data_bytes) {
    return Bad(absl::StrCat("shape ", ShapeText(*header.shape), " needs ", data_bytes,
                            " bytes, more than the limit of ", limits.max_data_bytes));
  }
  const uint64_t present = bytes.size() - data_offset;
  if (present != data_bytes) {
    return Bad(absl::StrCat("shape ", ShapeText(*header.shape), " of '", *header.descr, "' needs ",
                            data_bytes, " bytes of data but the file has ", present,
                            present < data_bytes ? " (truncated)" : ""));
  }
  engine::Shape shape(header.shape->begin(), header.shape->end());
  RETURN_IF_ERROR(engine::CheckedNumElements(shape).status());
  engine::Tensor tensor(dtype, std::move(shape));
  if (data_bytes > 0) std::memcpy(tensor.raw_data(), bytes.data() + data_offset, data_bytes);
  if (dtype == DataType::kBool) {
    uint8_t* b = static_cast<uint8_t*>(tensor.raw_data());
    for (uint64_t i = 0; i < count; ++i) b[i] = b[i] != 0;
  }
  return tensor;
}

absl::StatusOr<std::string> EncodeNpy(const engine::Tensor& tensor) {
  static const std::vector<std::pair<DataType, std::string>> kDescr = {
      {DataType::kFloat16, "<f2"}, {DataType::kFloat, "<f4"},  {DataType::kDouble, "<f8"},
      {DataType::kInt8, "|i1"},    {DataType::kInt16, "<i2"},  {DataType::kInt32, "<i4"},
      {DataType::kInt64, "<i8"},   {DataType::kUint8, "|u1"},  {DataType::kUint16, "<u2"},
      {DataType::kUint32, "<u4"},  {DataType::kUint64, "<u8"}, {DataType::kBool, "|b1"},
  };
  std::string descr;
  for (const auto& [type, d] : kDescr) {
    if (type == tensor.dtype()) descr = d;
  }
  if (descr.empty()) return absl::InvalidArgumentError(".npy cannot hold this tensor's type");
  std::string shape = absl::StrJoin(tensor.shape(), ", ");
  if (tensor.rank() == 1) shape += ",";
  std::string header =
      absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (", shape, "), }");
  // numpy pads the header with spaces and a newline to a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  return out;
}

}  // namespace berth::dataset
