#include "common/json_input.h"

namespace berth {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNumberByte(char c) {
  return IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

// True for a valid JSON number that is zero and has a fraction or an exponent:
// -?0(\.0+)?([eE][+-]?[0-9]+)? with at least one of the two parts.
bool IsZeroWithFractionOrExponent(std::string_view t) {
  size_t k = 0;
  if (k < t.size() && t[k] == '-') ++k;
  if (k >= t.size() || t[k] != '0') return false;
  ++k;
  bool more = false;
  if (k < t.size() && t[k] == '.') {
    const size_t start = ++k;
    while (k < t.size() && t[k] == '0') ++k;
    if (k == start) return false;
    more = true;
  }
  if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
    ++k;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
    const size_t start = k;
    while (k < t.size() && IsDigit(t[k])) ++k;
    if (k == start) return false;
    more = true;
  }
  return more && k == t.size();
}

}  // namespace

bool RewriteZeroNumbers(std::string_view text, std::string* out) {
  bool changed = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {  // a string: skip it, escapes included
      ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (text[i] != '-' && !IsDigit(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && IsNumberByte(text[end])) ++end;
    const std::string_view token = text.substr(i, end - i);
    const std::string_view zero = token[0] == '-' ? "-0.0" : "0.0";
    if (token != zero && IsZeroWithFractionOrExponent(token)) {
      if (!changed) *out = std::string(text);
      changed = true;
      std::string replacement(zero);
      replacement.resize(token.size(), ' ');
      out->replace(i, token.size(), replacement);
    }
    i = end;
  }
  return changed;
}

}  // namespace berth
