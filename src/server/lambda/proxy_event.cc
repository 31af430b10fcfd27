#include "server/lambda/proxy_event.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::server::lambda {
namespace {

using rapidjson::Value;

// The string member `key` of `object`; nullptr when absent or null; InvalidArgument when it
// is another type.
absl::StatusOr<const Value*> OptionalString(const Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  if (!it->value.IsString()) {
    return absl::InvalidArgumentError(absl::StrCat("the event's \"", key, "\" is not a string"));
  }
  return &it->value;
}

absl::Status ReadHeaders(const Value& event, ProxyEvent* out) {
  auto it = event.FindMember("headers");
  if (it == event.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsObject()) {
    return absl::InvalidArgumentError("the event's \"headers\" is not an object");
  }
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsString()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the event's header \"", m.name.GetString(), "\" is not a string"));
    }
    out->headers[absl::AsciiStrToLower(m.name.GetString())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return absl::OkStatus();
}

// Method and path of a version 2.0 (HTTP API) event.
absl::Status ReadVersion2(const Value& event, ProxyEvent* out) {
  absl::StatusOr<const Value*> path = OptionalString(event, "rawPath");
  if (!path.ok()) return path.status();
  auto context = event.FindMember("requestContext");
  if (context == event.MemberEnd() || !context->value.IsObject()) {
    return absl::InvalidArgumentError("the version 2.0 event has no \"requestContext\" object");
  }
  auto http = context->value.FindMember("http");
  if (http == context->value.MemberEnd() || !http->value.IsObject()) {
    return absl::InvalidArgumentError("the version 2.0 event has no \"requestContext.http\"");
  }
  absl::StatusOr<const Value*> method = OptionalString(http->value, "method");
  if (!method.ok()) return method.status();
  if (*method == nullptr || *path == nullptr) {
    return absl::InvalidArgumentError(
        "the version 2.0 event lacks \"rawPath\" or \"requestContext.http.method\"");
  }
  out->method = (*method)->GetString();
  out->path = (*path)->GetString();
  return absl::OkStatus();
}

// Method and path of a version 1.0 (REST API) event.
absl::Status ReadVersion1(const Value& event, ProxyEvent* out) {
  absl::StatusOr<const Value*> method = OptionalString(event, "httpMethod");
  if (!method.ok()) return method.status();
  absl::StatusOr<const Value*> path = OptionalString(event, "path");
  if (!path.ok()) return path.status();
  if (*method == nullptr || *path == nullptr) {
    return absl::InvalidArgumentError(
        "the event is not an API Gateway proxy event: it lacks \"httpMethod\" and \"path\" "
        "(version 1.0) or \"version\": \"2.0\" with \"rawPath\"");
  }
  out->method = (*method)->GetString();
  out->path = (*path)->GetString();
  return absl::OkStatus();
}

absl::Status ReadBody(const Value& event, ProxyEvent* out) {
  absl::StatusOr<const Value*> body = OptionalString(event, "body");
  if (!body.ok()) return body.status();
  if (*body == nullptr) return absl::OkStatus();
  absl::string_view text((*body)->GetString(), (*body)->GetStringLength());
  bool base64 = false;
  auto flag = event.FindMember("isBase64Encoded");
  if (flag != event.MemberEnd() && !flag->value.IsNull()) {
    if (!flag->value.IsBool()) {
      return absl::InvalidArgumentError("the event's \"isBase64Encoded\" is not a boolean");
    }
    base64 = flag->value.GetBool();
  }
  if (!base64) {
    out->body = std::string(text);
  } else if (!absl::Base64Unescape(text, &out->body)) {
    return absl::InvalidArgumentError("the event's body is not valid base64");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProxyEvent> ParseProxyEvent(absl::string_view event, int max_depth) {
  rapidjson::Document doc;
  ParseJson<rapidjson::kParseStopWhenDoneFlag>(doc, event);
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the event is not JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                     " at byte ", doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return absl::InvalidArgumentError("the event is not a JSON object");
  if (!JsonNestsWithin(doc, max_depth)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the event nests deeper than ", max_depth, " levels"));
  }
  ProxyEvent out;
  auto version = doc.FindMember("version");
  const bool v2 = version != doc.MemberEnd() && version->value.IsString() &&
                  absl::string_view(version->value.GetString()) == "2.0";
  absl::Status read = v2 ? ReadVersion2(doc, &out) : ReadVersion1(doc, &out);
  if (!read.ok()) return read;
  const size_t query = out.path.find('?');
  if (query != std::string::npos) out.path.resize(query);
  if (absl::Status s = ReadHeaders(doc, &out); !s.ok()) return s;
  if (absl::Status s = ReadBody(doc, &out); !s.ok()) return s;
  return out;
}

std::string ProxyResponseJson(const ProxyResponse& response) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("statusCode");
  w.Int(response.status_code);
  w.Key("headers");
  w.StartObject();
  for (const auto& [name, value] : response.headers) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  w.Key("body");
  if (response.binary) {
    const std::string encoded = absl::Base64Escape(response.body);
    w.String(encoded.data(), static_cast<rapidjson::SizeType>(encoded.size()));
  } else {
    w.String(response.body.data(), static_cast<rapidjson::SizeType>(response.body.size()));
  }
  w.Key("isBase64Encoded");
  w.Bool(response.binary);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

ProxyResponse JsonProxyResponse(int status_code, std::string json) {
  ProxyResponse r;
  r.status_code = status_code;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(json);
  return r;
}

}  // namespace berth::server::lambda
