#include "server/common/request_id.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace berth::server {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr size_t kTraceparentLength = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

void AppendHex(uint64_t bits, std::string* out) {
  for (int shift = 60; shift >= 0; shift -= 4) out->push_back(kHexDigits[(bits >> shift) & 0xF]);
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZeros(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

}  // namespace

absl::Status ValidateRequestId(absl::string_view id, absl::string_view what) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  if (id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has ", id.size(), " characters; at most ", kMaxRequestIdLength, " are allowed"));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x20 || c > 0x7E) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has a byte 0x", absl::Hex(c, absl::kZeroPad2), " at position ", i,
                       "; only printable ASCII characters are allowed"));
    }
  }
  return absl::OkStatus();
}

std::string GenerateRequestId() {
  thread_local absl::BitGen bits;
  std::string id;
  id.reserve(32);
  AppendHex(absl::Uniform<uint64_t>(bits), &id);
  AppendHex(absl::Uniform<uint64_t>(bits), &id);
  return id;
}

absl::StatusOr<std::string> ChooseRequestId(absl::string_view body_id,
                                            std::optional<absl::string_view> header) {
  if (!body_id.empty()) {
    if (absl::Status st = ValidateRequestId(body_id, "the request's \"id\""); !st.ok()) return st;
    return std::string(body_id);
  }
  if (header) {
    if (absl::Status st =
            ValidateRequestId(*header, absl::StrCat("the ", kRequestIdHeader, " header"));
        !st.ok()) {
      return st;
    }
    return std::string(*header);
  }
  return GenerateRequestId();
}

std::optional<absl::string_view> ParseTraceparent(absl::string_view value) {
  if (value.size() < kTraceparentLength) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  const absl::string_view trace_id = value.substr(3, 32);
  const absl::string_view parent_id = value.substr(36, 16);
  const absl::string_view flags = value.substr(53, 2);
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  if (!IsLowerHex(version) || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags)) {
    return std::nullopt;
  }
  if (version == "ff" || AllZeros(trace_id) || AllZeros(parent_id)) return std::nullopt;
  if (value.size() > kTraceparentLength) {
    // Only a later version may be longer, and its further fields follow a '-'.
    if (version == "00" || value[kTraceparentLength] != '-') return std::nullopt;
  }
  return value.substr(0, kTraceparentLength);
}

}  // namespace berth::server
