#include "server/admin/admin_request.h"

#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"

namespace berth::server::admin {
namespace {

// One parsed body: its members checked against the names a route takes.
class Body {
 public:
  static absl::StatusOr<Body> Parse(absl::string_view text, std::set<std::string> allowed) {
    if (text.size() > kMaxJsonBodyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the request body is larger than ", kMaxJsonBodyBytes, " bytes"));
    }
    Body body;
    ParseJson<rapidjson::kParseStopWhenDoneFlag>(body.doc_, text);
    if (body.doc_.HasParseError()) {
      return absl::InvalidArgumentError(absl::StrCat("the request body is not valid JSON (at byte ",
                                                     body.doc_.GetErrorOffset(), ")"));
    }
    if (!body.doc_.IsObject()) {
      return absl::InvalidArgumentError("the request body must be a JSON object");
    }
    for (const auto& m : body.doc_.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      if (!allowed.contains(key)) {
        return absl::InvalidArgumentError(
            absl::StrCat("the request body has an unknown member '", absl::CEscape(key), "'"));
      }
    }
    return body;
  }

  const rapidjson::Value* Find(const char* key) const {
    auto it = doc_.FindMember(key);
    return it == doc_.MemberEnd() ? nullptr : &it->value;
  }

  absl::Status Text(const char* key, size_t max_length, std::string* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->IsString()) return Wrong(key, "must be a string");
    std::string text(v->GetString(), v->GetStringLength());
    if (text.size() > max_length) {
      return Wrong(key, absl::StrCat("is longer than ", max_length, " bytes"));
    }
    for (unsigned char c : text) {
      if (c < 0x20 || c == 0x7f) return Wrong(key, "holds a control character");
    }
    *out = std::move(text);
    return absl::OkStatus();
  }
  absl::Status Actor(std::string* out) const {
    RETURN_IF_ERROR(Text("actor", kMaxActorLength, out));
    if (out->empty()) return Wrong("actor", "is empty");
    return absl::OkStatus();
  }
  absl::Status Alias(std::string* out) const {
    const rapidjson::Value* v = Find("alias");
    if (v == nullptr) return absl::OkStatus();
    if (!v->IsString()) return Wrong("alias", "must be a string");
    std::string alias(v->GetString(), v->GetStringLength());
    RETURN_IF_ERROR(ValidateAliasName(alias));
    *out = std::move(alias);
    return absl::OkStatus();
  }
  // A version number (>= 1); required.
  absl::Status Version(const char* key, int64_t* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return Wrong(key, "is missing (a version number)");
    if (!v->IsInt64() || v->GetInt64() < 1) {
      return Wrong(key, "must be a version number (an integer >= 1)");
    }
    *out = v->GetInt64();
    return absl::OkStatus();
  }
  absl::Status Int(const char* key, int64_t* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->IsInt64()) return Wrong(key, "must be an integer");
    *out = v->GetInt64();
    return absl::OkStatus();
  }
  absl::Status Number(const char* key, double* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->IsNumber()) return Wrong(key, "must be a number");
    *out = v->GetDouble();
    return absl::OkStatus();
  }
  // Absent or null: nullopt.
  absl::Status OptionalNumber(const char* key, std::optional<double>* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr || v->IsNull()) return absl::OkStatus();
    if (!v->IsNumber()) return Wrong(key, "must be a number or null");
    *out = v->GetDouble();
    return absl::OkStatus();
  }
  absl::Status Bool(const char* key, bool* out) const {
    const rapidjson::Value* v = Find(key);
    if (v == nullptr) return absl::OkStatus();
    if (!v->IsBool()) return Wrong(key, "must be true or false");
    *out = v->GetBool();
    return absl::OkStatus();
  }

 private:
  static absl::Status Wrong(const char* key, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' ", what));
  }

  rapidjson::Document doc_;
};

}  // namespace

absl::StatusOr<SetAliasRequest> ParseSetAliasRequest(absl::string_view text) {
  ASSIGN_OR_RETURN(Body body, Body::Parse(text, {"version", "reason", "actor", "force"}));
  SetAliasRequest r;
  RETURN_IF_ERROR(body.Version("version", &r.version));
  RETURN_IF_ERROR(body.Text("reason", kMaxReasonLength, &r.reason));
  RETURN_IF_ERROR(body.Actor(&r.actor));
  RETURN_IF_ERROR(body.Bool("force", &r.force));
  return r;
}

absl::StatusOr<AliasActionRequest> ParseAliasActionRequest(absl::string_view text) {
  ASSIGN_OR_RETURN(Body body, Body::Parse(text, {"alias", "reason", "actor"}));
  AliasActionRequest r;
  RETURN_IF_ERROR(body.Alias(&r.alias));
  RETURN_IF_ERROR(body.Text("reason", kMaxReasonLength, &r.reason));
  RETURN_IF_ERROR(body.Actor(&r.actor));
  return r;
}

absl::StatusOr<StartRolloutRequest> ParseStartRolloutRequest(absl::string_view text) {
  ASSIGN_OR_RETURN(Body body, Body::Parse(text, {"alias", "candidate", "canary_percent", "shadow",
                                                 "max_error_rate", "max_p99_ratio", "min_requests",
                                                 "bake_secs", "actor", "force", "reason"}));
  StartRolloutRequest r;
  registry::RolloutSpec& spec = r.spec;
  spec.alias = "production";
  RETURN_IF_ERROR(body.Alias(&spec.alias));
  RETURN_IF_ERROR(body.Version("candidate", &spec.candidate));
  RETURN_IF_ERROR(body.Number("canary_percent", &spec.canary_percent));
  RETURN_IF_ERROR(body.Bool("shadow", &spec.shadow));
  RETURN_IF_ERROR(body.Number("max_error_rate", &spec.max_error_rate));
  RETURN_IF_ERROR(body.Number("max_p99_ratio", &spec.max_p99_ratio));
  RETURN_IF_ERROR(body.Int("min_requests", &spec.min_requests));
  RETURN_IF_ERROR(body.Int("bake_secs", &spec.bake_secs));
  RETURN_IF_ERROR(body.Actor(&r.actor));
  RETURN_IF_ERROR(body.Bool("force", &r.override.force));
  RETURN_IF_ERROR(body.Text("reason", kMaxReasonLength, &r.override.reason));
  return r;
}

absl::StatusOr<ProtectRequest> ParseProtectRequest(absl::string_view text) {
  ASSIGN_OR_RETURN(Body body,
                   Body::Parse(text, {"require", "min_accuracy", "max_p99_ms", "actor"}));
  ProtectRequest r;
  registry::Protection& p = r.protection;
  if (body.Find("require") == nullptr) {
    return absl::InvalidArgumentError("'require' is missing (what the alias requires: validation)");
  }
  RETURN_IF_ERROR(body.Text("require", kMaxActorLength, &p.require));
  RETURN_IF_ERROR(body.OptionalNumber("min_accuracy", &p.min_accuracy));
  RETURN_IF_ERROR(body.OptionalNumber("max_p99_ms", &p.max_p99_ms));
  p.created_by = kDefaultActor;
  RETURN_IF_ERROR(body.Actor(&p.created_by));
  return r;
}

}  // namespace berth::server::admin
