#include "monitoring/webhook_payload.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file_util.h"
#include "common/json_writer.h"

namespace berth::monitoring {
namespace {

constexpr size_t kMaxSecretFileBytes = 4096;

}  // namespace

std::string EventJson(const Event& event) {
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String(event.type);
  w.Key("model").String(event.model);
  w.Key("alias");
  if (event.alias.empty()) {
    w.Null();
  } else {
    w.String(event.alias);
  }
  w.Key("version");
  if (event.version == 0) {
    w.Null();
  } else {
    w.Int(event.version);
  }
  w.Key("reason").String(event.reason);
  w.Key("at").String(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", event.at, absl::UTCTimeZone()));
  std::map<std::string, std::string> details;
  for (const auto& [name, value] : event.details) details[name] = value;  // the last one wins
  w.Key("details").BeginObject();
  for (const auto& [name, value] : details) w.Key(name).String(value);
  w.EndObject();
  w.EndObject();
  return w.str();
}

std::string SignatureHeaderValue(absl::string_view secret, absl::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  return absl::StrCat(kSignaturePrefix, absl::BytesToHexString(absl::string_view(
                                            reinterpret_cast<const char*>(mac), length)));
}

absl::StatusOr<std::string> ReadWebhookSecret(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path, kMaxSecretFileBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook secret file '", path, "': ", text.status().message()));
  }
  absl::string_view line = *text;
  line = absl::StripAsciiWhitespace(line.substr(0, line.find('\n')));
  if (line.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("webhook secret file '", path, "' is empty"));
  }
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook secret file '", path, "' holds a control byte"));
    }
  }
  return std::string(line);
}

}  // namespace berth::monitoring
