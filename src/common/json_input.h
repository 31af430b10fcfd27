// Reading JSON that comes from outside (request bodies, events, documents, server answers)
// with RapidJSON, safely:
//  - RapidJSON's default parser recurses once per level, so a body of a million '[' overflows
//    the stack: ParseJson parses iteratively (nesting costs heap, not stack), and a reader that
//    walks a value recursively itself afterwards (Accept, a copy) checks JsonNestsWithin first.
//  - Debian's RapidJSON 1.1.0 reads numbers exactly (full-precision mode) through code with
//    bugs fixed upstream after 1.1.0: a zero with a long fraction or a large exponent
//    ("0e100", issue 1249) calls __builtin_clzll(0) and reads out of bounds; a number of many
//    digits with a large exponent indexes past its table of powers of ten. ParseJson first
//    rewrites every number its fast path would not read as that number's shortest exact form
//    (zero as 0.0, beyond double's range as 1e999, which it refuses), padded with spaces.
#ifndef BERTH_COMMON_JSON_INPUT_H_
#define BERTH_COMMON_JSON_INPUT_H_

#include <string>
#include <string_view>

#include "rapidjson/document.h"

namespace berth {

// The flags ParseJson always uses: iterative, numbers read exactly.
inline constexpr unsigned kJsonParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag;

// When `text` holds a JSON number (outside strings) that RapidJSON's fast path would not read
// (more than 15 significant digits, an exponent beyond +-22, a zero with a fraction or an
// exponent), and its shortest exact form ("0.0", "1e+101", "1e999" beyond double's range) is
// shorter, sets `*out` to `text` with each such number replaced by that form padded with spaces
// to its length (so error offsets stay true), and returns true; otherwise returns false and
// leaves `*out` alone. Also a number RapidJSON reads before failing on what follows ("0e100e").
bool RewriteNumbers(std::string_view text, std::string* out);

// Parses `text` (any string view: std's or absl's) into `doc` with kJsonParseFlags and
// `kExtraFlags` (e.g. kParseStopWhenDoneFlag); the caller checks doc.HasParseError() as after
// Document::Parse.
template <unsigned kExtraFlags = 0, typename Text>
void ParseJson(rapidjson::Document& doc, const Text& text) {
  std::string_view view(text.data(), text.size());
  std::string rewritten;
  if (RewriteNumbers(view, &rewritten)) view = rewritten;
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
