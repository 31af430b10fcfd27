#include "validation/report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace berth::validation {
namespace {

using Json = rapidjson::Value;

constexpr int64_t kMaxChecks = 64;
constexpr int64_t kMaxFigures = 256;

void WriteIdentity(JsonWriter& w, const ModelIdentity& m) {
  w.BeginObject();
  w.Key("ref").String(m.ref);
  w.Key("name");
  if (m.name) {
    w.String(*m.name);
  } else {
    w.Null();
  }
  w.Key("version").Int(m.version);
  w.Key("sha256").String(m.sha256);
  w.EndObject();
}

void WriteCheck(JsonWriter& w, const CheckResult& c) {
  w.BeginObject();
  w.Key("name").String(c.name);
  w.Key("status").String(CheckStatusName(c.status));
  w.Key("message").String(c.message);
  w.Key("figures").BeginObject();
  for (const auto& [key, value] : c.figures) w.Key(key).Double(value);
  w.EndObject();
  w.EndObject();
}

void WriteAccuracy(JsonWriter& w, const AccuracyFigures& a) {
  w.BeginObject();
  w.Key("task").String(a.task);
  w.Key("rows").Int(a.rows);
  if (a.task == "classification") {
    w.Key("top1").Double(a.top1);
    w.Key("top5").Double(a.top5);
  } else {
    w.Key("mae").Double(a.mae);
    w.Key("rmse").Double(a.rmse);
  }
  w.EndObject();
}

void WriteLatency(JsonWriter& w, const LatencyFigures& l) {
  w.BeginObject();
  w.Key("batch").Int(l.batch);
  w.Key("threads").Int(l.threads);
  w.Key("p50_ms").Double(l.p50_ms);
  w.Key("p99_ms").Double(l.p99_ms);
  w.Key("throughput_per_s").Double(l.throughput_per_s);
  w.EndObject();
}

// Reading: every helper names where it looked ("checks[2]", "accuracy") and what was wrong.
absl::Status Bad(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid validation report: ", where, ": ", what));
}

// The member `key` of object `o`; nullptr when it is missing or null (when `nullable`).
absl::StatusOr<const Json*> Get(const Json& o, absl::string_view where, const char* key,
                                bool nullable = false) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || it->value.IsNull()) {
    if (nullable) return nullptr;
    return Bad(where, absl::StrCat("'", key, "' is missing"));
  }
  return &it->value;
}

absl::StatusOr<std::string> GetString(const Json& o, absl::string_view where, const char* key) {
  ASSIGN_OR_RETURN(const Json* v, Get(o, where, key));
  if (!v->IsString()) return Bad(where, absl::StrCat("'", key, "' must be a string"));
  return std::string(v->GetString(), v->GetStringLength());
}

absl::StatusOr<std::optional<double>> GetNumber(const Json& o, absl::string_view where,
                                                const char* key, bool nullable) {
  ASSIGN_OR_RETURN(const Json* v, Get(o, where, key, nullable));
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) return Bad(where, absl::StrCat("'", key, "' must be a number"));
  return v->GetDouble();
}

absl::StatusOr<double> GetRequiredNumber(const Json& o, absl::string_view where, const char* key) {
  ASSIGN_OR_RETURN(std::optional<double> v, GetNumber(o, where, key, false));
  return *v;
}

absl::StatusOr<int64_t> GetInt(const Json& o, absl::string_view where, const char* key) {
  ASSIGN_OR_RETURN(const Json* v, Get(o, where, key));
  if (!v->IsInt64()) return Bad(where, absl::StrCat("'", key, "' must be an integer"));
  return v->GetInt64();
}

absl::StatusOr<ModelIdentity> ParseIdentity(const Json& v, absl::string_view where) {
  if (!v.IsObject()) return Bad(where, "must be an object");
  ModelIdentity m;
  ASSIGN_OR_RETURN(m.ref, GetString(v, where, "ref"));
  ASSIGN_OR_RETURN(m.sha256, GetString(v, where, "sha256"));
  ASSIGN_OR_RETURN(const Json* name, Get(v, where, "name", true));
  if (name != nullptr) {
    if (!name->IsString()) return Bad(where, "'name' must be a string or null");
    m.name = std::string(name->GetString(), name->GetStringLength());
  }
  ASSIGN_OR_RETURN(const Json* version, Get(v, where, "version", true));
  if (version != nullptr) {
    if (!version->IsInt64()) return Bad(where, "'version' must be an integer or null");
    m.version = version->GetInt64();
  }
  return m;
}

absl::StatusOr<CheckStatus> ParseStatus(const std::string& text, absl::string_view where) {
  for (CheckStatus s : {CheckStatus::kPassed, CheckStatus::kFailed, CheckStatus::kSkipped}) {
    if (text == CheckStatusName(s)) return s;
  }
  return Bad(where, absl::StrCat("unknown status '", text, "' (passed, failed or skipped)"));
}

absl::StatusOr<CheckResult> ParseCheck(const Json& v, absl::string_view where) {
  if (!v.IsObject()) return Bad(where, "must be an object");
  CheckResult c;
  ASSIGN_OR_RETURN(c.name, GetString(v, where, "name"));
  bool known = false;
  for (const char* name : kCheckNames) known = known || c.name == name;
  if (!known) return Bad(where, absl::StrCat("unknown check '", c.name, "'"));
  ASSIGN_OR_RETURN(std::string status, GetString(v, where, "status"));
  ASSIGN_OR_RETURN(c.status, ParseStatus(status, where));
  ASSIGN_OR_RETURN(c.message, GetString(v, where, "message"));
  ASSIGN_OR_RETURN(const Json* figures, Get(v, where, "figures"));
  if (!figures->IsObject() || figures->MemberCount() > kMaxFigures) {
    return Bad(where,
               absl::StrCat("'figures' must be an object of at most ", kMaxFigures, " numbers"));
  }
  for (auto m = figures->MemberBegin(); m != figures->MemberEnd(); ++m) {
    std::string key(m->name.GetString(), m->name.GetStringLength());
    // A non-finite figure is written as null (JSON has no NaN).
    if (m->value.IsNull()) {
      c.figures.emplace_back(std::move(key), std::nan(""));
    } else if (m->value.IsNumber()) {
      c.figures.emplace_back(std::move(key), m->value.GetDouble());
    } else {
      return Bad(where, absl::StrCat("figure '", key, "' must be a number"));
    }
  }
  return c;
}

absl::StatusOr<std::optional<AccuracyFigures>> ParseAccuracy(const Json& doc) {
  ASSIGN_OR_RETURN(const Json* v, Get(doc, "the report", "accuracy", true));
  if (v == nullptr) return std::nullopt;
  if (!v->IsObject()) return Bad("accuracy", "must be an object or null");
  AccuracyFigures a;
  ASSIGN_OR_RETURN(a.task, GetString(*v, "accuracy", "task"));
  ASSIGN_OR_RETURN(a.rows, GetInt(*v, "accuracy", "rows"));
  if (a.task == "classification") {
    ASSIGN_OR_RETURN(a.top1, GetRequiredNumber(*v, "accuracy", "top1"));
    ASSIGN_OR_RETURN(a.top5, GetNumber(*v, "accuracy", "top5", true));
  } else if (a.task == "regression") {
    ASSIGN_OR_RETURN(a.mae, GetRequiredNumber(*v, "accuracy", "mae"));
    ASSIGN_OR_RETURN(a.rmse, GetRequiredNumber(*v, "accuracy", "rmse"));
  } else {
    return Bad("accuracy",
               absl::StrCat("unknown task '", a.task, "' (classification or regression)"));
  }
  return a;
}

absl::StatusOr<std::optional<LatencyFigures>> ParseLatency(const Json& doc) {
  ASSIGN_OR_RETURN(const Json* v, Get(doc, "the report", "latency", true));
  if (v == nullptr) return std::nullopt;
  if (!v->IsObject()) return Bad("latency", "must be an object or null");
  LatencyFigures l;
  ASSIGN_OR_RETURN(l.batch, GetInt(*v, "latency", "batch"));
  ASSIGN_OR_RETURN(int64_t threads, GetInt(*v, "latency", "threads"));
  l.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(l.p50_ms, GetRequiredNumber(*v, "latency", "p50_ms"));
  ASSIGN_OR_RETURN(l.p99_ms, GetRequiredNumber(*v, "latency", "p99_ms"));
  ASSIGN_OR_RETURN(l.throughput_per_s, GetRequiredNumber(*v, "latency", "throughput_per_s"));
  return l;
}

absl::StatusOr<ReportOptions> ParseOptions(const Json& doc) {
  ASSIGN_OR_RETURN(const Json* v, Get(doc, "the report", "options"));
  if (!v->IsObject()) return Bad("options", "must be an object");
  ReportOptions o;
  ASSIGN_OR_RETURN(o.batch, GetInt(*v, "options", "batch"));
  ASSIGN_OR_RETURN(int64_t threads, GetInt(*v, "options", "threads"));
  o.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(o.min_accuracy, GetNumber(*v, "options", "min_accuracy", true));
  ASSIGN_OR_RETURN(o.max_p99_ms, GetNumber(*v, "options", "max_p99_ms", true));
  ASSIGN_OR_RETURN(o.min_agreement, GetNumber(*v, "options", "min_agreement", true));
  ASSIGN_OR_RETURN(o.max_abs_diff, GetNumber(*v, "options", "max_abs_diff", true));
  return o;
}

}  // namespace

const char* CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPassed:
      return "passed";
    case CheckStatus::kFailed:
      return "failed";
    case CheckStatus::kSkipped:
      return "skipped";
  }
  return "skipped";
}

bool AllChecksPassed(const std::vector<CheckResult>& checks) {
  for (const CheckResult& c : checks) {
    if (c.status == CheckStatus::kFailed) return false;
  }
  return true;
}

std::string ReportToJson(const ValidationReport& report, int indent) {
  JsonWriter w(indent);
  w.BeginObject();
  w.Key("format").String(kReportFormat);
  w.Key("model");
  WriteIdentity(w, report.model);
  w.Key("against");
  if (report.against) {
    WriteIdentity(w, *report.against);
  } else {
    w.Null();
  }
  w.Key("passed").Bool(report.passed);
  w.Key("created_at")
      .String(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", report.created_at, absl::UTCTimeZone()));
  w.Key("options").BeginObject();
  w.Key("batch").Int(report.options.batch);
  w.Key("threads").Int(report.options.threads);
  w.Key("min_accuracy").Double(report.options.min_accuracy);
  w.Key("max_p99_ms").Double(report.options.max_p99_ms);
  w.Key("min_agreement").Double(report.options.min_agreement);
  w.Key("max_abs_diff").Double(report.options.max_abs_diff);
  w.EndObject();
  w.Key("checks").BeginArray();
  for (const CheckResult& c : report.checks) WriteCheck(w, c);
  w.EndArray();
  w.Key("accuracy");
  if (report.accuracy) {
    WriteAccuracy(w, *report.accuracy);
  } else {
    w.Null();
  }
  w.Key("latency");
  if (report.latency) {
    WriteLatency(w, *report.latency);
  } else {
    w.Null();
  }
  w.EndObject();
  return w.str();
}

absl::StatusOr<ValidationReport> ParseReportJson(absl::string_view json) {
  if (json.size() > kMaxReportJsonBytes) {
    return Bad("the report",
               absl::StrCat(json.size(), " bytes, more than the limit of ", kMaxReportJsonBytes));
  }
  rapidjson::Document doc;
  ParseJson(doc, json);
  if (doc.HasParseError()) {
    return Bad("the report",
               absl::StrCat("not JSON (", rapidjson::GetParseError_En(doc.GetParseError()),
                            " at offset ", doc.GetErrorOffset(), ")"));
  }
  if (!doc.IsObject()) return Bad("the report", "must be a JSON object");
  ASSIGN_OR_RETURN(std::string format, GetString(doc, "the report", "format"));
  if (format != kReportFormat) {
    return Bad("the report", absl::StrCat("'format' is '", format, "', not '", kReportFormat, "'"));
  }
  ValidationReport r;
  ASSIGN_OR_RETURN(const Json* model, Get(doc, "the report", "model"));
  ASSIGN_OR_RETURN(r.model, ParseIdentity(*model, "model"));
  ASSIGN_OR_RETURN(const Json* against, Get(doc, "the report", "against", true));
  if (against != nullptr) {
    ASSIGN_OR_RETURN(ModelIdentity a, ParseIdentity(*against, "against"));
    r.against = std::move(a);
  }
  ASSIGN_OR_RETURN(const Json* passed, Get(doc, "the report", "passed"));
  if (!passed->IsBool()) return Bad("the report", "'passed' must be true or false");
  r.passed = passed->GetBool();
  ASSIGN_OR_RETURN(std::string created, GetString(doc, "the report", "created_at"));
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, created, &r.created_at, &error)) {
    return Bad("the report", absl::StrCat("'created_at' is not an RFC 3339 time: ", error));
  }
  ASSIGN_OR_RETURN(r.options, ParseOptions(doc));
  ASSIGN_OR_RETURN(const Json* checks, Get(doc, "the report", "checks"));
  if (!checks->IsArray() || checks->Size() > kMaxChecks) {
    return Bad("the report", absl::StrCat("'checks' must be an array of at most ", kMaxChecks));
  }
  for (rapidjson::SizeType i = 0; i < checks->Size(); ++i) {
    ASSIGN_OR_RETURN(CheckResult c, ParseCheck((*checks)[i], absl::StrCat("checks[", i, "]")));
    r.checks.push_back(std::move(c));
  }
  ASSIGN_OR_RETURN(r.accuracy, ParseAccuracy(doc));
  ASSIGN_OR_RETURN(r.latency, ParseLatency(doc));
  return r;
}

}  // namespace berth::validation
