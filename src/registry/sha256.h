// SHA-256 through OpenSSL's EVP interface (libcrypto), as lowercase hex.
#ifndef BERTH_REGISTRY_SHA256_H_
#define BERTH_REGISTRY_SHA256_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::registry {

// The SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view bytes);

// The SHA-256 of the file at `path`, read in chunks. NotFound when it does not exist;
// Internal on a read error.
absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path);

// OK when `digest` is 64 lowercase hex digits; InvalidArgument naming it otherwise.
absl::Status ValidateDigest(absl::string_view digest);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SHA256_H_
