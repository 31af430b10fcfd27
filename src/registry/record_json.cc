#include "registry/record_json.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace berth::registry {
namespace {

// A signature is a few levels deep ({"inputs": [{"shape": [...]}]}); it is written back
// through a recursive walk, so a deeper one is refused.
constexpr int kMaxSignatureDepth = 32;

// Reads the members of one JSON object, naming the member and the record on an error.
class ObjectReader {
 public:
  ObjectReader(const rapidjson::Value& object, const char* record)
      : object_(object), record_(record) {}

  absl::StatusOr<const rapidjson::Value*> Member(const char* key) const {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd()) return Wrong(key, "is missing");
    return &it->value;
  }
  absl::StatusOr<std::string> String(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (!v->IsString()) return Wrong(key, "is not a string");
    return std::string(v->GetString(), v->GetStringLength());
  }
  absl::StatusOr<int64_t> Int(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (!v->IsInt64()) return Wrong(key, "is not an integer");
    return v->GetInt64();
  }
  absl::StatusOr<std::optional<int64_t>> OptionalInt(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (v->IsNull()) return std::optional<int64_t>();
    return Int(key);
  }
  absl::StatusOr<double> Double(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (!v->IsNumber()) return Wrong(key, "is not a number");
    return v->GetDouble();
  }
  absl::StatusOr<bool> Bool(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (!v->IsBool()) return Wrong(key, "is not a boolean");
    return v->GetBool();
  }
  // False when absent (the answer of a server older than gates).
  absl::StatusOr<bool> OptionalBool(const char* key) const {
    if (object_.FindMember(key) == object_.MemberEnd()) return false;
    return Bool(key);
  }
  absl::StatusOr<absl::Time> Time(const char* key) const {
    ASSIGN_OR_RETURN(std::string text, String(key));
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
      return Wrong(key, absl::StrCat("is not an RFC 3339 time: ", error));
    }
    return t;
  }
  absl::StatusOr<std::optional<absl::Time>> OptionalTime(const char* key) const {
    ASSIGN_OR_RETURN(const rapidjson::Value* v, Member(key));
    if (v->IsNull()) return std::optional<absl::Time>();
    return Time(key);
  }

 private:
  absl::Status Wrong(const char* key, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("the ", record_, "'s '", key, "' ", what));
  }

  const rapidjson::Value& object_;
  const char* record_;
};

absl::Status CheckObject(const rapidjson::Value& v, const char* record) {
  if (!v.IsObject())
    return absl::InvalidArgumentError(absl::StrCat("a ", record, " is not an object"));
  return absl::OkStatus();
}

// A document's kind, size, author and time (what a version's list of documents holds).
absl::Status ReadDocumentHead(const rapidjson::Value& v, VersionDocument* doc) {
  RETURN_IF_ERROR(CheckObject(v, "document"));
  ObjectReader r(v, "document");
  ASSIGN_OR_RETURN(doc->kind, r.String("kind"));
  ASSIGN_OR_RETURN(doc->size, r.Int("size"));
  ASSIGN_OR_RETURN(doc->created_by, r.String("created_by"));
  ASSIGN_OR_RETURN(doc->created_at, r.Time("created_at"));
  return absl::OkStatus();
}

absl::StatusOr<ModelVersion> ReadVersion(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "version"));
  ObjectReader r(v, "version");
  ModelVersion out;
  ASSIGN_OR_RETURN(out.model, r.String("model"));
  ASSIGN_OR_RETURN(out.version, r.Int("version"));
  ASSIGN_OR_RETURN(out.digest, r.String("digest"));
  ASSIGN_OR_RETURN(out.size, r.Int("size"));
  ASSIGN_OR_RETURN(out.created_at, r.Time("created_at"));
  ASSIGN_OR_RETURN(out.pushed_by, r.String("pushed_by"));
  ASSIGN_OR_RETURN(out.description, r.String("description"));
  ASSIGN_OR_RETURN(const rapidjson::Value* tags, r.Member("tags"));
  if (!tags->IsObject()) return absl::InvalidArgumentError("the version's 'tags' is not an object");
  for (const auto& m : tags->GetObject()) {
    if (!m.value.IsString()) return absl::InvalidArgumentError("a version tag is not a string");
    out.tags[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  ASSIGN_OR_RETURN(const rapidjson::Value* metrics, r.Member("metrics"));
  if (!metrics->IsObject()) {
    return absl::InvalidArgumentError("the version's 'metrics' is not an object");
  }
  for (const auto& m : metrics->GetObject()) {
    if (!m.value.IsNumber()) return absl::InvalidArgumentError("a version metric is not a number");
    out.metrics[m.name.GetString()] = m.value.GetDouble();
  }
  ASSIGN_OR_RETURN(out.parent, r.OptionalInt("parent"));
  ASSIGN_OR_RETURN(out.derivation, r.String("derivation"));
  ASSIGN_OR_RETURN(const rapidjson::Value* signature, r.Member("signature"));
  if (!JsonNestsWithin(*signature, kMaxSignatureDepth)) {
    return absl::InvalidArgumentError(absl::StrCat("the version's 'signature' nests deeper than ",
                                                   kMaxSignatureDepth, " levels"));
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  signature->Accept(writer);
  out.signature_json = buffer.GetString();
  // Absent from the answers of a server older than version documents.
  auto documents = v.FindMember("documents");
  if (documents == v.MemberEnd()) return out;
  if (!documents->value.IsArray()) {
    return absl::InvalidArgumentError("the version's 'documents' is not an array");
  }
  for (const rapidjson::Value& d : documents->value.GetArray()) {
    VersionDocument doc{out.model, out.version, "", "", 0, "", absl::UnixEpoch()};
    RETURN_IF_ERROR(ReadDocumentHead(d, &doc));
    out.documents.push_back(std::move(doc));
  }
  return out;
}

absl::StatusOr<VersionDocument> ReadDocument(const rapidjson::Value& v) {
  VersionDocument doc;
  RETURN_IF_ERROR(ReadDocumentHead(v, &doc));
  ObjectReader r(v, "document");
  ASSIGN_OR_RETURN(doc.model, r.String("model"));
  ASSIGN_OR_RETURN(doc.version, r.Int("version"));
  ASSIGN_OR_RETURN(doc.body, r.String("body"));
  return doc;
}

absl::StatusOr<Alias> ReadAlias(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "alias"));
  ObjectReader r(v, "alias");
  Alias out;
  ASSIGN_OR_RETURN(out.model, r.String("model"));
  ASSIGN_OR_RETURN(out.alias, r.String("alias"));
  ASSIGN_OR_RETURN(out.version, r.Int("version"));
  ASSIGN_OR_RETURN(out.updated_at, r.Time("updated_at"));
  return out;
}

absl::StatusOr<DeploymentRecord> ReadDeployment(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "deployment"));
  ObjectReader r(v, "deployment");
  DeploymentRecord out;
  ASSIGN_OR_RETURN(out.id, r.Int("id"));
  ASSIGN_OR_RETURN(out.model, r.String("model"));
  ASSIGN_OR_RETURN(out.alias, r.String("alias"));
  ASSIGN_OR_RETURN(out.from_version, r.OptionalInt("from_version"));
  ASSIGN_OR_RETURN(out.to_version, r.Int("to_version"));
  ASSIGN_OR_RETURN(out.actor, r.String("actor"));
  ASSIGN_OR_RETURN(out.reason, r.String("reason"));
  ASSIGN_OR_RETURN(out.at, r.Time("at"));
  ASSIGN_OR_RETURN(out.forced, r.OptionalBool("forced"));
  return out;
}

absl::StatusOr<std::optional<double>> OptionalNumber(const ObjectReader& r, const char* key) {
  ASSIGN_OR_RETURN(const rapidjson::Value* v, r.Member(key));
  if (v->IsNull()) return std::optional<double>();
  return r.Double(key);
}

absl::StatusOr<Protection> ReadProtection(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "protection"));
  ObjectReader r(v, "protection");
  Protection out;
  ASSIGN_OR_RETURN(out.model, r.String("model"));
  ASSIGN_OR_RETURN(out.alias, r.String("alias"));
  ASSIGN_OR_RETURN(out.require, r.String("require"));
  ASSIGN_OR_RETURN(out.min_accuracy, OptionalNumber(r, "min_accuracy"));
  ASSIGN_OR_RETURN(out.max_p99_ms, OptionalNumber(r, "max_p99_ms"));
  ASSIGN_OR_RETURN(out.created_by, r.String("created_by"));
  ASSIGN_OR_RETURN(out.created_at, r.Time("created_at"));
  return out;
}

absl::StatusOr<GateVerdict> ReadGateVerdict(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "gate"));
  ObjectReader r(v, "gate");
  GateVerdict out;
  ASSIGN_OR_RETURN(const rapidjson::Value* protection, r.Member("protection"));
  ASSIGN_OR_RETURN(out.protection, ReadProtection(*protection));
  ASSIGN_OR_RETURN(const rapidjson::Value* reasons, r.Member("reasons"));
  if (!reasons->IsArray())
    return absl::InvalidArgumentError("the gate's 'reasons' is not an array");
  for (const rapidjson::Value& reason : reasons->GetArray()) {
    if (!reason.IsString()) return absl::InvalidArgumentError("a gate's reason is not a string");
    out.reasons.emplace_back(reason.GetString(), reason.GetStringLength());
  }
  return out;
}

absl::StatusOr<Rollout> ReadRollout(const rapidjson::Value& v) {
  RETURN_IF_ERROR(CheckObject(v, "rollout"));
  ObjectReader r(v, "rollout");
  Rollout out;
  ASSIGN_OR_RETURN(out.id, r.Int("id"));
  ASSIGN_OR_RETURN(out.spec.model, r.String("model"));
  ASSIGN_OR_RETURN(out.spec.alias, r.String("alias"));
  ASSIGN_OR_RETURN(out.spec.candidate, r.Int("candidate"));
  ASSIGN_OR_RETURN(out.baseline, r.Int("baseline"));
  ASSIGN_OR_RETURN(std::string state, r.String("state"));
  ASSIGN_OR_RETURN(out.state, ParseRolloutState(state));
  ASSIGN_OR_RETURN(out.spec.canary_percent, r.Double("canary_percent"));
  ASSIGN_OR_RETURN(out.spec.shadow, r.Bool("shadow"));
  ASSIGN_OR_RETURN(out.spec.max_error_rate, r.Double("max_error_rate"));
  ASSIGN_OR_RETURN(out.spec.max_p99_ratio, r.Double("max_p99_ratio"));
  ASSIGN_OR_RETURN(out.spec.min_requests, r.Int("min_requests"));
  ASSIGN_OR_RETURN(out.spec.bake_secs, r.Int("bake_secs"));
  ASSIGN_OR_RETURN(out.reason, r.String("reason"));
  ASSIGN_OR_RETURN(out.actor, r.String("actor"));
  ASSIGN_OR_RETURN(out.started_at, r.Time("started_at"));
  ASSIGN_OR_RETURN(out.ended_at, r.OptionalTime("ended_at"));
  ASSIGN_OR_RETURN(out.forced, r.OptionalBool("forced"));
  if (out.forced) {
    ASSIGN_OR_RETURN(out.force_reason, r.String("force_reason"));
  }
  return out;
}

absl::StatusOr<rapidjson::Document> Parse(std::string_view json) {
  rapidjson::Document doc;
  ParseJson(doc, json);
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON (at byte ", doc.GetErrorOffset(), ")"));
  }
  return doc;
}

template <typename Read>
auto One(std::string_view json, Read read) -> decltype(read(rapidjson::Value())) {
  ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(json));
  return read(doc);
}

template <typename T, typename Read>
absl::StatusOr<std::vector<T>> Many(std::string_view json, Read read) {
  ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(json));
  if (!doc.IsArray()) return absl::InvalidArgumentError("expected a JSON array of records");
  std::vector<T> out;
  for (const rapidjson::Value& v : doc.GetArray()) {
    ASSIGN_OR_RETURN(T record, read(v));
    out.push_back(std::move(record));
  }
  return out;
}

void WriteDocumentHead(JsonWriter& w, const VersionDocument& d) {
  w.Key("kind").String(d.kind);
  w.Key("size").Int(d.size);
  w.Key("created_by").String(d.created_by);
  w.Key("created_at").String(Rfc3339Utc(d.created_at));
}

}  // namespace

void WriteVersionJson(JsonWriter& w, const ModelVersion& v,
                      const std::vector<std::string>& aliases) {
  w.BeginObject();
  w.Key("model").String(v.model);
  w.Key("version").Int(v.version);
  w.Key("digest").String(v.digest);
  w.Key("size").Int(v.size);
  w.Key("created_at").String(Rfc3339Utc(v.created_at));
  w.Key("pushed_by").String(v.pushed_by);
  w.Key("description").String(v.description);
  w.Key("tags").BeginObject();
  for (const auto& [key, value] : v.tags) w.Key(key).String(value);
  w.EndObject();
  w.Key("metrics").BeginObject();
  for (const auto& [key, value] : v.metrics) w.Key(key).Double(value);
  w.EndObject();
  w.Key("parent").Int(v.parent);
  w.Key("derivation").String(v.derivation);
  w.Key("aliases").BeginArray();
  for (const std::string& alias : aliases) w.String(alias);
  w.EndArray();
  w.Key("signature").Raw(v.signature_json);
  w.Key("documents").BeginArray();
  for (const VersionDocument& d : v.documents) {
    w.BeginObject();
    WriteDocumentHead(w, d);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteDocumentJson(JsonWriter& w, const VersionDocument& d) {
  w.BeginObject();
  w.Key("model").String(d.model);
  w.Key("version").Int(d.version);
  WriteDocumentHead(w, d);
  w.Key("body").String(d.body);
  w.EndObject();
}

void WriteAliasJson(JsonWriter& w, const Alias& a) {
  w.BeginObject();
  w.Key("model").String(a.model);
  w.Key("alias").String(a.alias);
  w.Key("version").Int(a.version);
  w.Key("updated_at").String(Rfc3339Utc(a.updated_at));
  w.EndObject();
}

void WriteDeploymentJson(JsonWriter& w, const DeploymentRecord& r) {
  w.BeginObject();
  w.Key("id").Int(r.id);
  w.Key("model").String(r.model);
  w.Key("alias").String(r.alias);
  w.Key("from_version").Int(r.from_version);
  w.Key("to_version").Int(r.to_version);
  w.Key("actor").String(r.actor);
  w.Key("reason").String(r.reason);
  w.Key("at").String(Rfc3339Utc(r.at));
  w.Key("forced").Bool(r.forced);
  w.EndObject();
}

void WriteProtectionJson(JsonWriter& w, const Protection& p) {
  w.BeginObject();
  w.Key("model").String(p.model);
  w.Key("alias").String(p.alias);
  w.Key("require").String(p.require);
  w.Key("min_accuracy").Double(p.min_accuracy);
  w.Key("max_p99_ms").Double(p.max_p99_ms);
  w.Key("created_by").String(p.created_by);
  w.Key("created_at").String(Rfc3339Utc(p.created_at));
  w.EndObject();
}

void WriteRolloutJson(JsonWriter& w, const Rollout& r) {
  w.BeginObject();
  w.Key("id").Int(r.id);
  w.Key("model").String(r.spec.model);
  w.Key("alias").String(r.spec.alias);
  w.Key("candidate").Int(r.spec.candidate);
  w.Key("baseline").Int(r.baseline);
  w.Key("state").String(std::string(RolloutStateName(r.state)));
  w.Key("canary_percent").Double(r.spec.canary_percent);
  w.Key("shadow").Bool(r.spec.shadow);
  w.Key("max_error_rate").Double(r.spec.max_error_rate);
  w.Key("max_p99_ratio").Double(r.spec.max_p99_ratio);
  w.Key("min_requests").Int(r.spec.min_requests);
  w.Key("bake_secs").Int(r.spec.bake_secs);
  w.Key("reason").String(r.reason);
  w.Key("actor").String(r.actor);
  w.Key("started_at").String(Rfc3339Utc(r.started_at));
  w.Key("ended_at");
  if (r.ended_at.has_value()) {
    w.String(Rfc3339Utc(*r.ended_at));
  } else {
    w.Null();
  }
  w.Key("forced").Bool(r.forced);
  w.Key("force_reason").String(r.force_reason);
  w.EndObject();
}

void WriteGateVerdictJson(JsonWriter& w, const GateVerdict& g) {
  w.BeginObject();
  w.Key("protection");
  WriteProtectionJson(w, g.protection);
  w.Key("passes").Bool(g.reasons.empty());
  w.Key("reasons").BeginArray();
  for (const std::string& reason : g.reasons) w.String(reason);
  w.EndArray();
  w.EndObject();
}

std::vector<std::string> AliasesOf(const std::vector<Alias>& aliases, int64_t version) {
  std::vector<std::string> names;
  for (const Alias& a : aliases) {
    if (a.version == version) names.push_back(a.alias);
  }
  return names;
}

absl::StatusOr<ModelVersion> VersionFromJson(std::string_view json) {
  return One(json, ReadVersion);
}
absl::StatusOr<std::vector<ModelVersion>> VersionsFromJson(std::string_view json) {
  return Many<ModelVersion>(json, ReadVersion);
}
absl::StatusOr<std::vector<Alias>> AliasesFromJson(std::string_view json) {
  return Many<Alias>(json, ReadAlias);
}
absl::StatusOr<DeploymentRecord> DeploymentFromJson(std::string_view json) {
  return One(json, ReadDeployment);
}
absl::StatusOr<std::vector<DeploymentRecord>> DeploymentsFromJson(std::string_view json) {
  return Many<DeploymentRecord>(json, ReadDeployment);
}
absl::StatusOr<Rollout> RolloutFromJson(std::string_view json) { return One(json, ReadRollout); }
absl::StatusOr<std::vector<Rollout>> RolloutsFromJson(std::string_view json) {
  return Many<Rollout>(json, ReadRollout);
}
absl::StatusOr<Protection> ProtectionFromJson(std::string_view json) {
  return One(json, ReadProtection);
}
absl::StatusOr<std::vector<Protection>> ProtectionsFromJson(std::string_view json) {
  return Many<Protection>(json, ReadProtection);
}

absl::StatusOr<std::vector<GateVerdict>> GateVerdictsFromJson(std::string_view json) {
  return Many<GateVerdict>(json, ReadGateVerdict);
}

absl::StatusOr<VersionDocument> DocumentFromJson(std::string_view json) {
  return One(json, ReadDocument);
}

}  // namespace berth::registry
