// The model repository extension: index, load, unload.
#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "protocol/metadata_json.h"
#include "rapidjson/document.h"
#include "server/common/admin_auth.h"
#include "server/http/handlers.h"

namespace berth::server {
namespace {

constexpr size_t kMaxRepositoryBodyBytes = 64 * 1024;

// The optional JSON body: {} or {"ready": bool} for index; {"parameters": {}} for load;
// {"parameters": {"unload_dependents": bool}} for unload. A parameter berth does not
// implement (e.g. a config override or model files in the body) is refused by name rather
// than ignored, so that a load never silently differs from what was asked.
absl::Status ParseBody(const std::string& body, Route route, bool* ready_only) {
  if (body.empty()) return absl::OkStatus();
  if (body.size() > kMaxRepositoryBodyBytes) {
    return absl::InvalidArgumentError("the repository request body is too large");
  }
  rapidjson::Document doc;
  ParseJson<rapidjson::kParseStopWhenDoneFlag>(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("the repository request body must be a JSON object");
  }
  if (route == Route::kRepositoryIndex) {
    auto it = doc.FindMember("ready");
    if (it != doc.MemberEnd()) {
      if (!it->value.IsBool()) return absl::InvalidArgumentError("'ready' must be a boolean");
      *ready_only = it->value.GetBool();
    }
    return absl::OkStatus();
  }
  auto params = doc.FindMember("parameters");
  if (params == doc.MemberEnd()) return absl::OkStatus();
  if (!params->value.IsObject()) {
    return absl::InvalidArgumentError("'parameters' must be a JSON object");
  }
  for (const auto& p : params->value.GetObject()) {
    const std::string key(p.name.GetString(), p.name.GetStringLength());
    if (route == Route::kRepositoryUnload && key == "unload_dependents") continue;
    return absl::InvalidArgumentError(
        absl::StrCat("the load/unload parameter '", key, "' is not supported by berth"));
  }
  return absl::OkStatus();
}

}  // namespace

HttpReply HandleRepositoryCall(serving::InferenceService& service, const HandlerOptions& options,
                               const HttpCall& call) {
  const RouteMatch& m = call.match;
  bool ready_only = false;
  absl::Status st = ParseBody(call.body, m.route, &ready_only);
  if (!st.ok()) return ErrorReply(st);
  if (m.route == Route::kRepositoryIndex) {
    absl::StatusOr<std::vector<protocol::IndexEntry>> index = service.RepositoryIndex(ready_only);
    if (!index.ok()) return ErrorReply(index.status());
    HttpReply reply;
    reply.body = protocol::RepositoryIndexJson(*index);
    return reply;
  }
  st = CheckAdminToken(call.authorization, options.admin_token);
  if (st.ok()) {
    st = m.route == Route::kRepositoryLoad ? service.LoadModel(m.model)
                                           : service.UnloadModel(m.model);
  }
  if (!st.ok()) return ErrorReply(st);
  HttpReply reply;
  reply.content_type.clear();
  return reply;
}

}  // namespace berth::server
