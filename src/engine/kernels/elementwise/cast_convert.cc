#include "engine/kernels/elementwise/cast_convert.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/kernels/elementwise/kernel_util.h"
#include "engine/kernels/elementwise/numeric.h"
#include "engine/kernels/elementwise/parallel.h"

namespace berth::engine {
namespace {

template <typename To, typename From>
void ConvertLoop(const From* src, To* dst, int64_t n) {
  ParallelRanges(n, kParallelCheap, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dst[i] = ConvertValue<To>(src[i]);
  });
}

// numpy's choice between positional and scientific notation, with shortest digits.
std::string FormatShortest(double v, bool is_float32) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  double a = std::fabs(v);
  bool positional = a == 0 || (a >= 1e-4 && a < 1e16);
  auto format = positional ? std::chars_format::fixed : std::chars_format::scientific;
  char* end = buf + sizeof(buf);
  std::to_chars_result r = is_float32 ? std::to_chars(buf, end, static_cast<float>(v), format)
                                      : std::to_chars(buf, end, v, format);
  std::string text(buf, r.ptr);
  if (positional && text.find('.') == std::string::npos) text += ".0";
  return text;
}

// The shortest decimal that reads back (through float) to the same 16-bit value.
template <typename H>
std::string FormatHalf(H v) {
  float f = static_cast<float>(v);
  if (!std::isfinite(f)) return FormatShortest(f, true);
  char buf[64];
  for (int precision = 0; precision < 9; ++precision) {
    std::to_chars_result r =
        std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific, precision);
    double parsed = 0;
    std::from_chars(buf, r.ptr, parsed);
    if (ConvertValue<H>(parsed).bits == v.bits) return FormatShortest(parsed, false);
  }
  return FormatShortest(f, true);
}

template <typename T>
std::string FormatNumber(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (kIsHalf<T>) {
    return FormatHalf(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return FormatShortest(v, std::is_same_v<T, float>);
  } else {
    return absl::StrCat(v);
  }
}

template <typename T>
bool ParseAll(std::string_view text, T* value) {
  std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), *value);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(text.front())) text.remove_prefix(1);
  while (!text.empty() && absl::ascii_isspace(text.back())) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(a[i]) != absl::ascii_tolower(b[i])) return false;
  }
  return true;
}

template <typename To>
bool ParseNumber(std::string_view text, To* out) {
  text = Trim(text);
  if constexpr (std::is_same_v<To, bool>) {
    if (EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "false")) {
      *out = EqualsIgnoreCase(text, "true");
      return true;
    }
  }
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);  // from_chars rejects '+'
  if (text.empty() || text[0] == '+') return false;
  if constexpr (std::is_same_v<To, float> || std::is_same_v<To, double>) {
    return ParseAll(text, out);
  } else {
    if constexpr (std::is_integral_v<To> && !std::is_same_v<To, bool>) {
      using Wide = std::conditional_t<std::is_signed_v<To>, int64_t, uint64_t>;
      Wide wide = 0;
      if (ParseAll(text, &wide)) {
        *out = static_cast<To>(wide);
        return true;
      }
    }
    double d = 0;
    if (!ParseAll(text, &d)) return false;
    *out = ConvertValue<To>(d);
    return true;
  }
}

}  // namespace

bool ConvertNumeric(DataType from, const void* src, DataType to, void* dst, int64_t n) {
  bool to_known = true;
  bool from_known = VisitNumericType(from, [&](auto from_tag) {
    using From = decltype(from_tag);
    to_known = VisitNumericType(to, [&](auto to_tag) {
      using To = decltype(to_tag);
      if constexpr (std::is_same_v<To, From>) {
        std::memcpy(dst, src, n * sizeof(To));
      } else {
        ConvertLoop(static_cast<const From*>(src), static_cast<To*>(dst), n);
      }
    });
  });
  return from_known && to_known;
}

void FloatToBFloat16Truncating(const float* src, BFloat16* dst, int64_t n) {
  ParallelRanges(n, kParallelCheap, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      uint32_t bits = std::bit_cast<uint32_t>(src[i]);
      bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
      dst[i].bits = static_cast<uint16_t>((bits >> 16) | (nan ? 0x40u : 0u));
    }
  });
}

bool NumbersToStrings(DataType from, const void* src, std::string* dst, int64_t n) {
  return VisitNumericType(from, [&](auto tag) {
    using T = decltype(tag);
    const T* values = static_cast<const T*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = FormatNumber(values[i]);
  });
}

absl::Status StringsToNumbers(const std::string& label, const std::string* src, DataType to,
                              void* dst, int64_t n) {
  absl::Status status;
  bool known = VisitNumericType(to, [&](auto tag) {
    using T = decltype(tag);
    using Parsed = std::conditional_t<kIsHalf<T>, double, T>;
    T* out = static_cast<T*>(dst);
    for (int64_t i = 0; i < n && status.ok(); ++i) {
      Parsed value{};
      if (!ParseNumber(src[i], &value)) {
        status = LabeledError(label, absl::StrCat("cannot convert string \"", src[i], "\" to ",
                                                  DataTypeName(to)));
      } else {
        out[i] = ConvertValue<T>(value);
      }
    }
  });
  if (!known) return LabeledError(label, "cannot convert strings to " + DataTypeName(to));
  return status;
}

}  // namespace berth::engine
