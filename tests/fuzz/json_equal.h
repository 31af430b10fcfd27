// What the round-trip fuzzers compare: two JSON texts hold the same value. Members are matched
// by name when the names are unique (a map's order follows its keys, which change when a byte
// that is not UTF-8 in them is replaced), else in order (RapidJSON's own == looks names up,
// which a repeated name defeats). The texts themselves may differ: a byte that is not UTF-8 is
// written as "\ufffd", read as that character, and then written as itself.
#ifndef BERTH_TESTS_FUZZ_JSON_EQUAL_H_
#define BERTH_TESTS_FUZZ_JSON_EQUAL_H_

#include <map>
#include <string_view>

#include "common/json_input.h"
#include "rapidjson/document.h"

namespace berth::fuzz {

inline std::string_view Text(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

inline bool SameValue(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.GetType() != b.GetType()) return false;
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    std::map<std::string_view, const rapidjson::Value*> by_name;
    for (auto j = b.MemberBegin(); j != b.MemberEnd(); ++j) {
      by_name.emplace(Text(j->name), &j->value);
    }
    if (by_name.size() == b.MemberCount()) {  // names unique: in any order
      for (auto i = a.MemberBegin(); i != a.MemberEnd(); ++i) {
        auto found = by_name.find(Text(i->name));
        if (found == by_name.end() || !SameValue(i->value, *found->second)) return false;
      }
      return true;
    }
    for (auto i = a.MemberBegin(), j = b.MemberBegin(); i != a.MemberEnd(); ++i, ++j) {
      if (!SameValue(i->name, j->name) || !SameValue(i->value, j->value)) return false;
    }
    return true;
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType k = 0; k < a.Size(); ++k) {
      if (!SameValue(a[k], b[k])) return false;
    }
    return true;
  }
  if (a.IsString()) return Text(a) == Text(b);
  if (a.IsNumber()) return a.IsDouble() || b.IsDouble() ? a.GetDouble() == b.GetDouble() : a == b;
  return true;  // null, true, false: the type says it all
}

// True when both texts parse and hold the same value.
inline bool SameJson(std::string_view a, std::string_view b) {
  rapidjson::Document da, db;
  ParseJson(da, a);
  ParseJson(db, b);
  return !da.HasParseError() && !db.HasParseError() && SameValue(da, db);
}

}  // namespace berth::fuzz

#endif  // BERTH_TESTS_FUZZ_JSON_EQUAL_H_
