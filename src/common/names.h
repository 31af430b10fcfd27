// Validation of the names that come from outside: model names and version numbers (from a
// repository folder, a URL path, a gRPC field or the registry), registry aliases and tag keys.
// Checked before any file or database row is touched, so that no name can climb out of its
// folder and every stored name can be shown and typed back.
#ifndef BERTH_COMMON_NAMES_H_
#define BERTH_COMMON_NAMES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth {

// The longest model name accepted.
inline constexpr size_t kMaxModelNameLength = 128;

// OK when `name` is a valid model name: 1 to kMaxModelNameLength characters from
// [A-Za-z0-9_.-], starting with a letter or digit (so never "." or "..", never hidden, never a
// path). Anything else (a slash, a backslash, '%', a space, a control byte) fails with
// InvalidArgument naming the name (escaped) and the rule.
absl::Status ValidateModelName(absl::string_view name);

// The longest alias ("production", "canary") and tag key accepted.
inline constexpr size_t kMaxAliasNameLength = 64;
inline constexpr size_t kMaxTagKeyLength = 64;

// OK when `alias` is a valid registry alias: the model name rules (1 to kMaxAliasNameLength
// characters from [A-Za-z0-9_.-], starting with a letter or digit) and not made of digits
// only, since a reference that is all digits means a version number. InvalidArgument naming
// the alias otherwise.
absl::Status ValidateAliasName(absl::string_view alias);

// OK when `key` is a valid tag or metric key: 1 to kMaxTagKeyLength characters from
// [A-Za-z0-9_.-], starting with a letter or digit. InvalidArgument naming the key otherwise.
absl::Status ValidateTagKey(absl::string_view key);

// The version number `text` spells: decimal digits only, no sign, no leading zero, 1 to 2^63-1.
// Fails with InvalidArgument naming the text otherwise.
absl::StatusOr<int64_t> ParseVersion(absl::string_view text);

// Which version of a model a request asks for: a number, an alias (a registry name such as
// "production"), or neither (the server's default).
struct VersionRef {
  int64_t number = 0;  // > 0 when a number was given
  std::string alias;   // not empty when an alias was given
  bool is_default() const { return number == 0 && alias.empty(); }
  // "3", "alias 'production'" or "the default version", for messages.
  std::string ToString() const;
};

// The reference `text` spells: "" is the default, digits a version number (ParseVersion's
// rules), anything else an alias (ValidateAliasName's rules). InvalidArgument naming the
// text otherwise.
absl::StatusOr<VersionRef> ParseVersionRef(absl::string_view text);

}  // namespace berth

#endif  // BERTH_COMMON_NAMES_H_
