// JSON number text -> the value RapidJSON's DOM would hold for it, converted with
// std::from_chars: shared by the request's DOM parse and the fast reader of "data" arrays, so
// that both give the same value for the same text.
#ifndef BERTH_PROTOCOL_JSON_NUMBER_H_
#define BERTH_PROTOCOL_JSON_NUMBER_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace berth::protocol {

// A JSON number (`text` is a valid one, RFC 8259 grammar).
struct JsonNumber {
  enum class Kind { kInt64, kUint64, kDouble };
  // Integers (no fraction or exponent) in the int64 range are kInt64 when negative, in the
  // uint64 range kUint64 when not ("-0" is the integer 0, as in RapidJSON); everything else
  // is kDouble, correctly rounded: beyond the double range +-infinity, below it +-0.
  Kind kind = Kind::kDouble;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double d = 0;
};

// True when `text` has no fraction and no exponent.
bool IsIntegerText(absl::string_view text);

// The value of `text`, a valid JSON number.
JsonNumber ConvertJsonNumber(absl::string_view text);

// Parses `json` into *doc as doc->Parse<kParseIterativeFlag | kParseFullPrecisionFlag> does
// (same grammar, same errors and offsets, same integers), with every number converted by
// ConvertJsonNumber instead of RapidJSON 1.1.0's full-precision strtod, which reads past its
// table of powers of ten for some numbers near 1e-330 (a crash, or a wrong value: e.g.
// 1.298029406399883369e-330 became -1.8e302) and turns 0.0000000000000000000000000 into
// -1.8e-194. Returns the parse result (error code and offset).
rapidjson::ParseResult ParseJsonDocument(absl::string_view json, rapidjson::Document* doc);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_JSON_NUMBER_H_
