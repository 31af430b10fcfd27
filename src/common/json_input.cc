#include "common/json_input.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace berth {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNumberByte(char c) {
  return IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

// The JSON number at the start of a run of number bytes, as RapidJSON reads it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (what follows does not matter: RapidJSON
// converts the number before it fails on the rest).
struct Number {
  size_t length = 0;       // 0: no number RapidJSON would convert
  bool exact = true;       // RapidJSON's fast path reads it (few digits, small exponent)
  bool zero = false;       // every digit is 0
  bool decorated = false;  // has a fraction or an exponent
  long magnitude = 0;      // the value is below 10^magnitude (meaningless for a zero)
};

Number ScanNumber(std::string_view t) {
  Number n;
  size_t k = 0;
  if (k < t.size() && t[k] == '-') ++k;
  if (k >= t.size() || !IsDigit(t[k])) return n;
  long significant = 0, integer = 0, leading_fraction_zeros = 0, fraction = 0, exp = 0;
  if (t[k] == '0') {
    ++k;
  } else {
    for (; k < t.size() && IsDigit(t[k]); ++k) ++integer;
    significant = integer;
  }
  bool decorated = false;
  if (k < t.size() && t[k] == '.') {
    const size_t start = ++k;
    for (; k < t.size() && IsDigit(t[k]); ++k, ++fraction) {
      if (significant > 0 || t[k] != '0') {
        ++significant;
      } else {
        ++leading_fraction_zeros;
      }
    }
    if (k == start) return n;
    decorated = true;
  }
  if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
    ++k;
    bool negative = false;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) negative = t[k++] == '-';
    const size_t start = k;
    for (; k < t.size() && IsDigit(t[k]); ++k) {
      if (exp < 1000000) exp = exp * 10 + (t[k] - '0');
    }
    if (k == start) return n;
    if (negative) exp = -exp;
    decorated = true;
  }
  n.length = k;
  n.zero = significant == 0;
  n.magnitude = (integer > 0 ? integer : -leading_fraction_zeros) + exp;
  const long p = exp - fraction;
  // An integer RapidJSON holds as int64 or uint64 never reaches its double conversion.
  const bool fits_uint64 =
      integer < 20 || (integer == 20 && t.substr(t[0] == '-', 20) <= "18446744073709551615");
  n.decorated = decorated;
  n.exact = (!decorated && fits_uint64) || (significant <= 15 && p >= -22 && p <= 22);
  return n;
}

// How `text` (a JSON number) is written so that RapidJSON reads it exactly without its faulty
// path: zero as 0.0, a value beyond double's range as 1e999 (which RapidJSON refuses as too
// big), anything else as its shortest form, a double still (with a '.' or an exponent).
std::string SafeForm(const Number& n, std::string_view text) {
  const bool negative = text[0] == '-';
  if (n.zero) return negative ? "-0.0" : "0.0";
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + n.length, value);
  if (error == std::errc::result_out_of_range || std::isinf(value)) {
    if (n.magnitude < 0) return negative ? "-0.0" : "0.0";
    return negative ? "-1e999" : "1e999";
  }
  if (error != std::errc() || end != text.data() + n.length) return std::string(text);
  if (value == 0) return negative ? "-0.0" : "0.0";
  // The shorter of the shortest fixed and scientific forms (at most 17 significant digits, so
  // RapidJSON's significand never overflows); a decorated number stays a double.
  char buffer[400];
  auto written = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  std::string fixed(buffer, written.ec == std::errc() ? written.ptr : buffer);
  if (n.decorated && fixed.find('.') == std::string::npos) fixed += ".0";
  written = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string scientific(buffer, written.ec == std::errc() ? written.ptr : buffer);
  if (fixed.empty()) return scientific;
  return scientific.empty() || fixed.size() <= scientific.size() ? fixed : scientific;
}

// `text` (a JSON number) in scientific form with as many digits as fit in `max_length`.
std::string Shortened(std::string_view text, size_t max_length) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (!std::isfinite(value)) value = 0;
  char buffer[64];
  for (int digits = 16; digits >= 0; --digits) {
    const auto written = std::to_chars(buffer, buffer + sizeof(buffer), value,
                                       std::chars_format::scientific, digits);
    if (written.ec == std::errc() && static_cast<size_t>(written.ptr - buffer) <= max_length) {
      return std::string(buffer, written.ptr);
    }
  }
  return std::string(text);
}

}  // namespace

bool RewriteNumbers(std::string_view text, std::string* out) {
  bool changed = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {  // a string: skip it, escapes included
      ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (!IsNumberByte(text[i])) {
      ++i;
      continue;
    }
    // A run of number bytes: a number starts only at its first byte.
    size_t end = i;
    while (end < text.size() && IsNumberByte(text[end])) ++end;
    const Number n = ScanNumber(text.substr(i, end - i));
    if (n.length > 0 && !n.exact) {
      const std::string_view number = text.substr(i, n.length);
      const std::string safe = SafeForm(n, number);
      // The padding must keep the rest of the run apart ("0e0e5" must not become "0.0e5").
      const bool ends_run = n.length == end - i;
      std::string safe_form = safe;
      if (!ends_run && safe.size() >= number.size()) {
        // Bytes that make the JSON invalid follow (or, at the top level, are ignored), so the
        // value no longer matters, only that RapidJSON converts something safe: fewer digits.
        safe_form = Shortened(number, number.size() - 1);
      }
      const bool fits =
          safe_form.size() < number.size() || (safe_form.size() == number.size() && ends_run);
      if (safe_form != number && fits) {
        if (!changed) *out = std::string(text);
        changed = true;
        std::string replacement = safe_form;
        replacement.resize(number.size(), ' ');
        out->replace(i, number.size(), replacement);
      }
    }
    i = end;
  }
  return changed;
}

}  // namespace berth
