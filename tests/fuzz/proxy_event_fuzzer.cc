// libFuzzer target: arbitrary bytes through the Lambda proxy event parser
// (server/lambda/proxy_event.h), as `berth lambda` gets an invocation's event from the Lambda
// Runtime API. Any input must give an event or an error, never a crash, a leak or undefined
// behaviour. An event that parses must hold what the handler relies on: a method, a path
// without its query, lower-case header names; and its body, answered back as a binary proxy
// response, must come out of that response's JSON unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"
#include "server/lambda/proxy_event.h"

namespace {

namespace lambda = berth::server::lambda;

void CheckEvent(const lambda::ProxyEvent& event) {
  if (event.path.find('?') != std::string::npos) std::abort();
  for (const auto& [name, value] : event.headers) {
    if (name != absl::AsciiStrToLower(name)) std::abort();
  }
}

// The body, sent back base64-encoded in a proxy response, must decode to itself.
void CheckBodyRoundTrip(const lambda::ProxyEvent& event) {
  lambda::ProxyResponse response = lambda::JsonProxyResponse(200, event.body);
  response.binary = true;
  const std::string json = lambda::ProxyResponseJson(response);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("body") || !doc["body"].IsString()) {
    std::abort();
  }
  std::string body;
  if (!absl::Base64Unescape(
          absl::string_view(doc["body"].GetString(), doc["body"].GetStringLength()), &body) ||
      body != event.body) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<lambda::ProxyEvent> event =
      lambda::ParseProxyEvent(absl::string_view(reinterpret_cast<const char*>(data), size), 64);
  if (!event.ok()) return 0;
  CheckEvent(*event);
  CheckBodyRoundTrip(*event);
  return 0;
}
