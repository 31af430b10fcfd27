#include "protocol/json_number.h"

#include <charconv>
#include <limits>
#include <system_error>

#include "rapidjson/encodedstream.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace berth::protocol {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The decimal exponent of the first significant digit of `text` (a valid JSON number whose
// value from_chars found outside the double range), saturated: > 0 means too large, <= 0 too
// small, as nothing near 10^0 is out of range.
int64_t DecimalMagnitude(absl::string_view text) {
  size_t i = text[0] == '-' ? 1 : 0;
  int64_t magnitude = 0;
  bool significant = false;
  for (; i < text.size() && IsDigit(text[i]); ++i) {
    significant = significant || text[i] != '0';
    if (significant) ++magnitude;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && IsDigit(text[i]) && !significant; ++i) {
      if (text[i] != '0')
        significant = true;
      else
        --magnitude;
    }
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    const bool negative = text[i] == '-';
    if (text[i] == '-' || text[i] == '+') ++i;
    int64_t exponent = 0;
    for (; i < text.size(); ++i)
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), 1 << 30);
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude;
}

// SAX events forwarded to a Document, numbers arriving as text (kParseNumbersAsStringsFlag).
class ExactNumbers {
 public:
  explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const JsonNumber n = ConvertJsonNumber(absl::string_view(text, length));
    switch (n.kind) {
      case JsonNumber::Kind::kInt64:
        return doc_.Int64(n.i64);
      case JsonNumber::Kind::kUint64:
        return doc_.Uint64(n.u64);
      case JsonNumber::Kind::kDouble:
        return doc_.Double(n.d);
    }
    return false;
  }
  // The reader sends numbers only as text with kParseNumbersAsStringsFlag; these complete the
  // handler concept.
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

 private:
  rapidjson::Document& doc_;
};

}  // namespace

bool IsIntegerText(absl::string_view text) {
  return text.find_first_of(".eE") == absl::string_view::npos;
}

JsonNumber ConvertJsonNumber(absl::string_view text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  JsonNumber n;
  if (IsIntegerText(text)) {
    if (text[0] == '-') {
      if (std::from_chars(first, last, n.i64).ec == std::errc()) {
        n.kind = JsonNumber::Kind::kInt64;
        return n;
      }
    } else if (std::from_chars(first, last, n.u64).ec == std::errc()) {
      n.kind = JsonNumber::Kind::kUint64;
      return n;
    }
  }
  if (std::from_chars(first, last, n.d).ec != std::errc()) {  // out of the double range
    const double size = DecimalMagnitude(text) > 0 ? std::numeric_limits<double>::infinity() : 0;
    n.d = text[0] == '-' ? -size : size;
  }
  return n;
}

rapidjson::ParseResult ParseJsonDocument(absl::string_view json, rapidjson::Document* doc) {
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& target) {
    ExactNumbers handler(target);
    rapidjson::MemoryStream bytes(json.data(), json.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(bytes);
    rapidjson::Reader reader;
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                                rapidjson::kParseFullPrecisionFlag |
                                rapidjson::kParseNumbersAsStringsFlag;
    result = reader.Parse<kFlags>(stream, handler);
    return !result.IsError();
  };
  doc->Populate(generate);
  return result;
}

}  // namespace berth::protocol
