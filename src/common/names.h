// Validation of the names that reach the filesystem from outside: model names and version
// numbers, whether they come from a repository folder, a URL path or a gRPC field. Checked
// before any file is touched, so that no name can climb out of its folder.
#ifndef BERTH_COMMON_NAMES_H_
#define BERTH_COMMON_NAMES_H_

#include <cstdint>

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

// The version number `text` spells: decimal digits only, no sign, no leading zero, 1 to 2^63-1.
// Fails with InvalidArgument naming the text otherwise.
absl::StatusOr<int64_t> ParseVersion(absl::string_view text);

}  // namespace berth

#endif  // BERTH_COMMON_NAMES_H_
