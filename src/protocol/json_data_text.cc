#include "protocol/json_data_text.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>

namespace berth::protocol {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Past the digits at p: eight at a time while they last (the test of fast_float's
// is_made_of_eight_digits_fast), then one by one.
const char* SkipDigits(const char* p, const char* end) {
  while (end - p >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if (((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) !=
        0x3333333333333333) {
      break;
    }
    p += 8;
  }
  while (p < end && IsDigit(*p)) ++p;
  return p;
}

// The value of the digits [first, last) exceeds `limit` (< 1000).
bool DigitsAbove(const char* first, const char* last, int limit) {
  while (first < last && *first == '0') ++first;
  if (last - first > 3) return true;
  int value = 0;
  for (; first < last; ++first) value = value * 10 + (*first - '0');
  return value > limit;
}

// Moves p past a JSON number (RFC 8259 grammar) that RapidJSON also takes; false otherwise.
// RapidJSON refuses some valid numbers ("Number too big"): integer parts of more than about
// 308 digits, and positive exponents above 308 less the fraction digits (even for zero:
// 0e400). These are left to it: integer parts above kMaxIntegerDigits digits, and exponents
// above 308 (below that it never refuses, as the fraction only raises its bound).
constexpr ptrdiff_t kMaxIntegerDigits = 300;
bool SkipNumber(const char*& p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p < end && *p == '0') {
    ++p;
  } else if (p < end && IsDigit(*p)) {
    const char* first = p;
    p = SkipDigits(p, end);
    if (p - first > kMaxIntegerDigits) return false;
  } else {
    return false;
  }
  if (p < end && *p == '.') {
    if (++p == end || !IsDigit(*p)) return false;
    p = SkipDigits(p, end);
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    bool negative = false;
    if (++p < end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    if (p == end || !IsDigit(*p)) return false;
    const char* first = p;
    p = SkipDigits(p, end);
    if (!negative && DigitsAbove(first, p, 308)) return false;
  }
  return true;
}

const char* SkipSpaces(const char* p, const char* end) {
  while (p < end && IsSpace(*p)) ++p;
  return p;
}

// Moves p past a data value (numbers, true, false, arrays of them) and counts its leaves;
// false when the text is anything else.
bool DataAt(const char*& p, const char* end, int64_t* leaves) {
  int depth = 0;
  while (true) {
    p = SkipSpaces(p, end);
    if (p == end) return false;
    const absl::string_view rest(p, end - p);
    if (*p == '[') {
      ++depth;
      p = SkipSpaces(p + 1, end);
      if (p == end || *p != ']') continue;
      ++p;
      --depth;
    } else if (*p == '-' || IsDigit(*p)) {
      if (!SkipNumber(p, end)) return false;
      ++*leaves;
    } else if (rest.substr(0, 4) == "true" || rest.substr(0, 5) == "false") {
      p += *p == 't' ? 4 : 5;
      ++*leaves;
    } else {
      return false;
    }
    // After a value: close arrays until a comma leads to the next element.
    while (depth > 0) {
      p = SkipSpaces(p, end);
      if (p == end) return false;
      if (*p == ',') {
        ++p;
        break;
      }
      if (*p != ']') return false;
      ++p;
      --depth;
    }
    if (depth == 0) return true;
  }
}

// A cursor over JSON text; Peek() is '\0' at the end (never valid where it is looked at).
class Scanner {
 public:
  explicit Scanner(absl::string_view s) : s_(s) {}

  size_t pos() const { return pos_; }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  // A string starting at the cursor; *escaped tells whether it holds a backslash.
  bool String(absl::string_view* contents, bool* escaped) {
    if (!Take('"')) return false;
    const size_t start = pos_;
    *escaped = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') {
        *contents = s_.substr(start, pos_ - 1 - start);
        return true;
      }
      if (c == '\\') {
        *escaped = true;
        ++pos_;
      }
    }
    return false;
  }

  // Any value, as far as finding its end needs (the DOM parse checks it).
  bool SkipValue() {
    absl::string_view unused;
    bool escaped;
    if (Peek() == '"') return String(&unused, &escaped);
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        if (!String(&unused, &escaped)) return false;
        continue;
      }
      if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (depth == 0) break;
        if (--depth == 0) {
          ++pos_;
          return true;
        }
      } else if (depth == 0 && (c == ',' || IsSpace(c))) {
        break;
      }
      ++pos_;
    }
    return depth == 0 && pos_ > start;
  }

  // The members of the object whose '{' was just taken: on_member(key, escaped) is called
  // with the cursor at each value and must consume it.
  template <typename OnMember>
  bool Members(OnMember on_member) {
    SkipSpace();
    if (Take('}')) return true;
    while (true) {
      SkipSpace();
      absl::string_view key;
      bool escaped;
      if (!String(&key, &escaped)) return false;
      SkipSpace();
      if (!Take(':')) return false;
      SkipSpace();
      if (!on_member(key, escaped)) return false;
      SkipSpace();
      if (Take(',')) continue;
      return Take('}');
    }
  }

  // A data value: numbers, true, false, arrays of them; counts the leaves.
  bool Data(int64_t* leaves) {
    const char* p = s_.data() + pos_;
    const char* const end = s_.data() + s_.size();
    const bool ok = DataAt(p, end, leaves);
    pos_ = p - s_.data();
    return ok;
  }

  // The elements of "inputs" (cursor at its '['), recording each input's data value.
  bool Inputs(std::vector<std::optional<DataText>>* data) {
    if (!Take('[')) return false;
    SkipSpace();
    if (Take(']')) return true;
    while (true) {
      SkipSpace();
      data->emplace_back();
      std::optional<DataText>& mine = data->back();
      if (Take('{')) {
        const bool ok = Members([&](absl::string_view key, bool escaped) {
          if (escaped) return false;
          if (key != "data") return SkipValue();
          if (mine.has_value()) return false;
          const size_t start = pos_;
          int64_t leaves = 0;
          if (!Data(&leaves)) return false;
          mine = DataText{s_.substr(start, pos_ - start), leaves};
          return true;
        });
        if (!ok) return false;
      } else if (!SkipValue()) {
        return false;
      }
      SkipSpace();
      if (Take(',')) continue;
      return Take(']');
    }
  }

 private:
  absl::string_view s_;
  size_t pos_ = 0;
};

// Stores one number of a float datatype; the cursor `p` moves past it.
template <typename T>
bool ReadFloat(const char*& p, const char* end, T* out) {
  const char* q = p + (*p == '-');
  while (q < end && IsDigit(*q)) ++q;
  double d;
  if (q < end && (*q == '.' || *q == 'e' || *q == 'E')) {
    const std::from_chars_result r = std::from_chars(p, end, d);
    if (r.ec != std::errc()) return false;  // beyond the double range: the DOM's +-inf or +-0
    p = r.ptr;
  } else if (*p == '-') {  // integers are stored exactly, then converted (as RapidJSON does)
    int64_t i;
    if (std::from_chars(p, q, i).ec != std::errc()) return false;
    d = static_cast<double>(i);
    p = q;
  } else {
    uint64_t u;
    if (std::from_chars(p, q, u).ec != std::errc()) return false;
    d = static_cast<double>(u);
    p = q;
  }
  if constexpr (std::is_same_v<T, double>) {
    *out = d;
  } else {
    *out = T(static_cast<float>(d));
  }
  return true;
}

// Stores one integer; fractions, exponents and values outside T's range are refused.
template <typename T>
bool ReadInteger(const char*& p, const char* end, T* out) {
  const char* q = p + (*p == '-');
  while (q < end && IsDigit(*q)) ++q;
  if (q < end && (*q == '.' || *q == 'e' || *q == 'E')) return false;
  if (*p == '-') {
    int64_t i;
    if (std::from_chars(p, q, i).ec != std::errc()) return false;
    if (std::is_unsigned_v<T> ? i != 0 : i < static_cast<int64_t>(std::numeric_limits<T>::min())) {
      return false;  // "-0" is the integer 0, even for unsigned types (as in RapidJSON)
    }
    *out = static_cast<T>(i);
  } else {
    uint64_t u;
    if (std::from_chars(p, q, u).ec != std::errc()) return false;
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    *out = static_cast<T>(u);
  }
  p = q;
  return true;
}

bool ReadBool(const char*& p, const char* end, bool* out) {
  const absl::string_view rest(p, end - p);
  if (rest.substr(0, 4) == "true") {
    *out = true;
    p += 4;
  } else if (rest.substr(0, 5) == "false") {
    *out = false;
    p += 5;
  } else {
    return false;
  }
  return true;
}

template <typename T>
bool ReadLeaves(const DataText& data, engine::Tensor& t) {
  T* out = t.data<T>();
  const char* p = data.text.data();
  const char* end = p + data.text.size();
  for (int64_t i = 0; i < data.leaves; ++i) {
    while (p < end && (*p == '[' || *p == ']' || *p == ',' || IsSpace(*p))) ++p;
    if (p == end) return false;
    bool ok;
    if constexpr (std::is_same_v<T, bool>) {
      ok = ReadBool(p, end, &out[i]);
    } else if constexpr (std::is_integral_v<T>) {
      ok = *p != 't' && *p != 'f' && ReadInteger(p, end, &out[i]);
    } else {
      ok = *p != 't' && *p != 'f' && ReadFloat(p, end, &out[i]);
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<CutRequest> CutDataValues(absl::string_view json) {
  Scanner scan(json);
  scan.SkipSpace();
  if (!scan.Take('{')) return std::nullopt;
  CutRequest cut;
  bool inputs_seen = false;
  const bool ok = scan.Members([&](absl::string_view key, bool escaped) {
    if (escaped) return false;
    if (key != "inputs") return scan.SkipValue();
    if (inputs_seen) return false;
    inputs_seen = true;
    return scan.Inputs(&cut.data);
  });
  if (!ok || !inputs_seen) return std::nullopt;
  size_t copied = 0;
  for (const std::optional<DataText>& data : cut.data) {
    if (!data.has_value()) continue;
    const size_t begin = data->text.data() - json.data();
    cut.text.append(json.data() + copied, begin - copied);
    cut.text.append("[]");
    copied = begin + data->text.size();
  }
  if (copied == 0) return std::nullopt;
  cut.text.append(json.data() + copied, json.size() - copied);
  return cut;
}

bool ReadDataText(const DataText& data, engine::Tensor& t) {
  if (t.num_elements() != data.leaves) return false;
  bool ok = false;
  engine::VisitNumericType(t.dtype(), [&](auto zero) { ok = ReadLeaves<decltype(zero)>(data, t); });
  return ok;
}

}  // namespace berth::protocol
