#include "server/common/admin_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"

namespace berth::server {
namespace {

constexpr absl::string_view kBearer = "Bearer ";
constexpr uint64_t kMaxTokenFileBytes = 4096;

// Equal contents, in time that depends only on the lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

absl::Status CheckAdminToken(absl::string_view authorization, const std::string& token) {
  if (token.empty()) return absl::OkStatus();
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "this management call needs the header 'Authorization: Bearer <admin token>'");
  }
  if (!absl::StartsWith(authorization, kBearer) ||
      !ConstantTimeEquals(authorization.substr(kBearer.size()), token)) {
    return absl::UnauthenticatedError("the admin token given with this management call is wrong");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadAdminToken(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path, kMaxTokenFileBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin token file '", path, "': ", text.status().message()));
  }
  absl::string_view line = *text;
  line = line.substr(0, line.find('\n'));
  line = absl::StripAsciiWhitespace(line);
  if (line.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("admin token file '", path, "' is empty"));
  }
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("admin token file '", path, "' holds a control byte"));
    }
  }
  return std::string(line);
}

}  // namespace berth::server
