#include "registry/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace berth::registry {
namespace {

// Feeds bytes to one EVP SHA-256 context. The EVP calls only fail on allocation failure,
// which the caller of an out-of-memory process cannot act on: that is an impossible state.
class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &length);
    return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string Sha256Hex(absl::string_view bytes) {
  Hasher hasher;
  hasher.Update(bytes.data(), bytes.size());
  return hasher.HexDigest();
}

absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file '", path, "'"));
    return absl::InternalError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  Hasher hasher;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hasher.Update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read '", path, "'"));
  return hasher.HexDigest();
}

absl::Status ValidateDigest(absl::string_view digest) {
  bool ok = digest.size() == 64;
  for (char c : digest) {
    ok = ok && (absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'));
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("digest '", absl::CHexEscape(digest.substr(0, 80)),
                                                 "' is not a SHA-256 (64 lowercase hex digits)"));
}

}  // namespace berth::registry
