// Bounds on how deep untrusted JSON may nest. RapidJSON's default parser recurses once per
// level, so a body of a million '[' overflows the stack: every reader of JSON from outside
// parses with kJsonParseFlags (iterative, no recursion) and, before it walks a value
// recursively itself (Accept, a copy), checks JsonNestsWithin.
#ifndef BERTH_COMMON_JSON_DEPTH_H_
#define BERTH_COMMON_JSON_DEPTH_H_

#include "rapidjson/reader.h"

namespace berth {

// The flags every reader of outside JSON parses with (add kParseStopWhenDoneFlag and the like
// as needed): iterative, so that nesting costs heap, not stack.
inline constexpr unsigned kJsonParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag;

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

#endif  // BERTH_COMMON_JSON_DEPTH_H_
