// API Gateway's Lambda proxy integration, both payload forms: the REST API's version 1.0
// event (httpMethod, path, headers, body, isBase64Encoded) and the HTTP API's version 2.0
// event ("version": "2.0", rawPath, requestContext.http.method, lower-case headers, body,
// isBase64Encoded); and the proxy response the function returns (statusCode, headers, body,
// isBase64Encoded). Pure: no I/O, so every refusal is unit-tested.
#ifndef BERTH_SERVER_LAMBDA_PROXY_EVENT_H_
#define BERTH_SERVER_LAMBDA_PROXY_EVENT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::server::lambda {

struct ProxyEvent {
  std::string method;  // "POST", ...
  std::string path;    // without the query string
  // Header names lower-cased (a v1 event keeps the client's case; HTTP names are caseless).
  std::map<std::string, std::string> headers;
  std::string body;  // base64-decoded when the event said so; empty when it has none
};

// Parses `event` (the invocation's JSON). InvalidArgument naming what is wrong when it is not
// JSON, not an object, nests deeper than `max_depth`, or is not a proxy event of either
// version (no method or path, or a field of the wrong type, or a body that is not valid
// base64 although isBase64Encoded is true). Unknown fields are ignored.
absl::StatusOr<ProxyEvent> ParseProxyEvent(absl::string_view event, int max_depth);

struct ProxyResponse {
  int status_code = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool binary = false;  // true: the body goes base64-encoded, with isBase64Encoded true
};

// The proxy response's JSON: {"statusCode":..,"headers":{..},"body":"..","isBase64Encoded":..}.
std::string ProxyResponseJson(const ProxyResponse& response);

// An answer of `status_code` with Content-Type application/json and `json` as the body.
ProxyResponse JsonProxyResponse(int status_code, std::string json);

}  // namespace berth::server::lambda

#endif  // BERTH_SERVER_LAMBDA_PROXY_EVENT_H_
