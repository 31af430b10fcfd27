// What a webhook receives: the JSON body of one event, and the signature that lets a receiver
// check the body came from berth (HMAC-SHA256 over the exact body bytes with a shared secret).
//
// Body (one object; `alias` and `version` are null when the event concerns none):
//   {"type":"rollout.rolled_back","model":"m","alias":"production","version":2,
//    "reason":"...","at":"2026-12-07T00:31:02.123456Z","details":{"from_version":"1"}}
#ifndef BERTH_MONITORING_WEBHOOK_PAYLOAD_H_
#define BERTH_MONITORING_WEBHOOK_PAYLOAD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "monitoring/events.h"

namespace berth::monitoring {

// The header that carries the signature, and the prefix of its value.
inline constexpr char kSignatureHeader[] = "X-Berth-Signature-256";
inline constexpr char kSignaturePrefix[] = "sha256=";
// The header that repeats the event type (so receivers can route without parsing).
inline constexpr char kEventHeader[] = "X-Berth-Event";

// The event as the JSON body above; `at` in RFC 3339, UTC, with microseconds. Detail names
// repeated in `event.details` keep their last value.
std::string EventJson(const Event& event);

// "sha256=" + the lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
std::string SignatureHeaderValue(absl::string_view secret, absl::string_view body);

// Reads a shared secret: the file's first line, surrounding white space removed. Errors
// (naming the file): missing or unreadable, larger than 4 KiB, empty, or holding a control
// byte.
absl::StatusOr<std::string> ReadWebhookSecret(const std::string& path);

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_WEBHOOK_PAYLOAD_H_
