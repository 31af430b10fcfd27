// Reading JSON that comes from outside (request bodies, events, documents, server answers)
// with RapidJSON, safely:
//  - RapidJSON's default parser recurses once per level, so a body of a million '[' overflows
//    the stack: ParseJson parses iteratively (nesting costs heap, not stack), and a reader that
//    walks a value recursively itself afterwards (Accept, a copy) checks JsonNestsWithin first.
//  - Debian's RapidJSON 1.1.0, in full-precision mode, normalizes a zero significand with
//    __builtin_clzll(0) (undefined behaviour; upstream issue 1249, fixed after 1.1.0) for a zero
//    written with a long fraction or a large exponent ("0e100"): ParseJson writes such a zero
//    as "0.0" first.
#ifndef BERTH_COMMON_JSON_INPUT_H_
#define BERTH_COMMON_JSON_INPUT_H_

#include <string>
#include <string_view>

#include "rapidjson/document.h"

namespace berth {

// The flags ParseJson always uses: iterative, numbers read exactly.
inline constexpr unsigned kJsonParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag;

// When `text` holds a JSON number that is zero written with a fraction or an exponent (outside
// strings; "0e100", "-0.000", also when bytes that make the JSON invalid follow, "0e100e"), sets
// `*out` to `text` with each such number replaced by "0.0"
// ("-0.0") and padded with spaces to its length (so error offsets stay true), and returns
// true; otherwise returns false and leaves `*out` alone.
bool RewriteZeroNumbers(std::string_view text, std::string* out);

// Parses `text` (any string view: std's or absl's) into `doc` with kJsonParseFlags and
// `kExtraFlags` (e.g. kParseStopWhenDoneFlag); the caller checks doc.HasParseError() as after
// Document::Parse.
template <unsigned kExtraFlags = 0, typename Text>
void ParseJson(rapidjson::Document& doc, const Text& text) {
  std::string_view view(text.data(), text.size());
  std::string rewritten;
  if (RewriteZeroNumbers(view, &rewritten)) view = rewritten;
  doc.Parse<kJsonParseFlags | kExtraFlags>(view.data(), view.size());
}

// The depth of the deepest array or object in `value` (1 for a scalar), counting no further
// than `limit` + 1, so that the walk itself recurses at most that deep.
template <typename Value>
int JsonDepth(const Value& value, int limit) {
  if (limit <= 0) return 1;
  int deepest = 0;
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      const int d = JsonDepth(m.value, limit - 1);
      if (d > deepest) deepest = d;
    }
  } else if (value.IsArray()) {
    for (const auto& e : value.GetArray()) {
      const int d = JsonDepth(e, limit - 1);
      if (d > deepest) deepest = d;
    }
  } else {
    return 1;
  }
  return deepest + 1;
}

// True when `value` nests at most `max_depth` levels.
template <typename Value>
bool JsonNestsWithin(const Value& value, int max_depth) {
  return JsonDepth(value, max_depth + 1) <= max_depth;
}

}  // namespace berth

#endif  // BERTH_COMMON_JSON_INPUT_H_
