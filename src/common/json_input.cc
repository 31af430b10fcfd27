#include "common/json_input.h"

namespace berth {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNumberByte(char c) {
  return IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

// The length of the number RapidJSON reads at the start of `t` when that number is zero
// written with a fraction or an exponent (-?0(\.0+)?([eE][+-]?[0-9]+)?, one of the two parts
// at least; what follows it does not matter: RapidJSON converts the number before it fails on
// the rest); 0 otherwise.
size_t ZeroNumberLength(std::string_view t) {
  size_t k = 0;
  if (k < t.size() && t[k] == '-') ++k;
  if (k >= t.size() || t[k] != '0') return 0;
  ++k;
  bool more = false;
  if (k < t.size() && t[k] == '.') {
    const size_t start = ++k;
    bool zero = true;
    for (; k < t.size() && IsDigit(t[k]); ++k) zero = zero && t[k] == '0';
    if (k == start || !zero) return 0;
    more = true;
  }
  if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
    ++k;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
    const size_t start = k;
    while (k < t.size() && IsDigit(t[k])) ++k;
    if (k == start) return 0;
    more = true;
  }
  return more ? k : 0;
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
    if (!IsNumberByte(text[i])) {
      ++i;
      continue;
    }
    // A run of number bytes: a number starts only at its first byte.
    size_t end = i;
    while (end < text.size() && IsNumberByte(text[end])) ++end;
    const std::string_view number = text.substr(i, ZeroNumberLength(text.substr(i, end - i)));
    const std::string_view zero = number.empty() || number[0] != '-' ? "0.0" : "-0.0";
    // Only a longer number is rewritten, so that the padding keeps the rest of the run apart
    // ("0e0e5" must not become "0.0e5"); the shorter ones ("0e5", "-0e5") have a one-digit
    // exponent, which RapidJSON reads exactly without the faulty path.
    if (number.size() > zero.size()) {
      if (!changed) *out = std::string(text);
      changed = true;
      std::string replacement(zero);
      replacement.resize(number.size(), ' ');
      out->replace(i, number.size(), replacement);
    }
    i = end;
  }
  return changed;
}

}  // namespace berth
