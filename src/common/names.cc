#include "common/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace berth {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// The name as it can be shown in a message: quoted, control bytes escaped, cut if long.
std::string Shown(absl::string_view text) {
  constexpr size_t kShown = 80;
  std::string shown = absl::CHexEscape(text.substr(0, kShown));
  return absl::StrCat("'", shown, text.size() > kShown ? "...'" : "'");
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("model name is empty");
  if (name.size() > kMaxModelNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("model name ", Shown(name), " is longer than ",
                                                   kMaxModelNameLength, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name.front()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model name ", Shown(name), " must start with a letter or a digit"));
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model name ", Shown(name), " may only contain letters, digits, '_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseVersion(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("version ", Shown(text), " is not a positive integer (1, 2, ...)"));
  };
  if (text.empty() || text.size() > 19 || text.front() == '0') return bad();
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad();
  }
  int64_t version = 0;
  if (!absl::SimpleAtoi(text, &version) || version < 1) return bad();
  return version;
}

}  // namespace berth
