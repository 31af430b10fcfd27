#include "common/names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

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

// `what` ("model name", "alias") is how the message names the kind of name.
absl::Status ValidateName(absl::string_view what, absl::string_view name, size_t max_length) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  if (name.size() > max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", Shown(name), " is longer than ", max_length, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name.front()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", Shown(name), " must start with a letter or a digit"));
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", Shown(name), " may only contain letters, digits, '_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  return ValidateName("model name", name, kMaxModelNameLength);
}

absl::Status ValidateAliasName(absl::string_view alias) {
  RETURN_IF_ERROR(ValidateName("alias", alias, kMaxAliasNameLength));
  if (std::all_of(alias.begin(), alias.end(),
                  [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alias ", Shown(alias), " is a number, which would read as a version; use a name"));
  }
  return absl::OkStatus();
}

absl::Status ValidateTagKey(absl::string_view key) {
  return ValidateName("tag key", key, kMaxTagKeyLength);
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

std::string VersionRef::ToString() const {
  if (number > 0) return std::to_string(number);
  if (!alias.empty()) return absl::StrCat("alias '", alias, "'");
  return "the default version";
}

absl::StatusOr<VersionRef> ParseVersionRef(absl::string_view text) {
  VersionRef ref;
  if (text.empty()) return ref;
  if (absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    const bool all_digits = std::all_of(text.begin(), text.end(), [](char c) {
      return absl::ascii_isdigit(static_cast<unsigned char>(c));
    });
    if (all_digits) {
      ASSIGN_OR_RETURN(ref.number, ParseVersion(text));
      return ref;
    }
  }
  RETURN_IF_ERROR(ValidateAliasName(text));
  ref.alias = std::string(text);
  return ref;
}

}  // namespace berth
