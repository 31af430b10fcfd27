#include "registry/gate.h"

#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_input.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"

namespace berth::registry {
namespace {

// At most this much of one failed check's message goes into a refusal.
constexpr size_t kMaxCheckMessage = 200;
// At most this many failed checks are named.
constexpr size_t kMaxFailedChecks = 8;

// `text` cut to `limit` bytes, its control characters made spaces: a refusal is one line.
std::string Clip(std::string text, size_t limit) {
  if (text.size() > limit) text = absl::StrCat(text.substr(0, limit), "...");
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string StringOf(const rapidjson::Value* v) {
  if (v == nullptr || !v->IsString()) return "";
  return std::string(v->GetString(), v->GetStringLength());
}

// A finite number member of `object` (e.g. accuracy.top1), or nullopt.
std::optional<double> NumberOf(const rapidjson::Value* object, const char* key) {
  if (object == nullptr) return std::nullopt;
  const rapidjson::Value* v = Member(*object, key);
  if (v == nullptr || !v->IsNumber() || !std::isfinite(v->GetDouble())) return std::nullopt;
  return v->GetDouble();
}

// "accuracy (top-1 0.41 below 0.9), latency (...)": the report's failed checks.
std::string FailedChecks(const rapidjson::Value& report) {
  const rapidjson::Value* checks = Member(report, "checks");
  if (checks == nullptr || !checks->IsArray()) return "";
  std::vector<std::string> failed;
  for (const rapidjson::Value& check : checks->GetArray()) {
    if (StringOf(Member(check, "status")) != "failed") continue;
    if (failed.size() == kMaxFailedChecks) {
      failed.push_back("...");
      break;
    }
    std::string name = Clip(StringOf(Member(check, "name")), 64);
    std::string message = Clip(StringOf(Member(check, "message")), kMaxCheckMessage);
    failed.push_back(message.empty() ? name : absl::StrCat(name, " (", message, ")"));
  }
  return absl::StrJoin(failed, ", ");
}

// Why `report` does not meet `protection`; empty when it does.
std::vector<std::string> Reasons(const Protection& protection, const VersionDocument& doc) {
  rapidjson::Document report;
  ParseJson(report, doc.body);
  const std::string made = absl::StrCat("validation report (of ", Rfc3339Utc(doc.created_at), ")");
  if (report.HasParseError() || !report.IsObject()) {
    return {absl::StrCat("its ", made, " is not a JSON object")};
  }
  const std::string format = StringOf(Member(report, "format"));
  if (format != kValidationFormat) {
    return {absl::StrCat("its ", made, " has format '", Clip(format, 64), "', not '",
                         kValidationFormat, "'")};
  }
  const rapidjson::Value* passed = Member(report, "passed");
  if (passed == nullptr || !passed->IsBool()) {
    return {absl::StrCat("its ", made, " has no 'passed' true or false")};
  }
  std::vector<std::string> reasons;
  if (!passed->GetBool()) {
    const std::string failed = FailedChecks(report);
    reasons.push_back(absl::StrCat("its ", made, " did not pass",
                                   failed.empty() ? "" : absl::StrCat(": failed ", failed)));
  }
  if (protection.min_accuracy.has_value()) {
    std::optional<double> top1 = NumberOf(Member(report, "accuracy"), "top1");
    if (!top1.has_value()) {
      reasons.push_back(absl::StrCat("its ", made,
                                     " has no top-1 accuracy, and the alias requires at least ",
                                     *protection.min_accuracy));
    } else if (*top1 < *protection.min_accuracy) {
      reasons.push_back(absl::StrCat("its top-1 accuracy ", *top1, " is below the alias's minimum ",
                                     *protection.min_accuracy));
    }
  }
  if (protection.max_p99_ms.has_value()) {
    std::optional<double> p99 = NumberOf(Member(report, "latency"), "p99_ms");
    if (!p99.has_value()) {
      reasons.push_back(absl::StrCat("its ", made,
                                     " has no p99 latency, and the alias requires at most ",
                                     *protection.max_p99_ms, " ms"));
    } else if (*p99 > *protection.max_p99_ms) {
      reasons.push_back(absl::StrCat("its p99 latency ", *p99,
                                     " ms is above the alias's budget of ", *protection.max_p99_ms,
                                     " ms"));
    }
  }
  return reasons;
}

}  // namespace

absl::Status ValidateProtection(const Protection& protection) {
  RETURN_IF_ERROR(ValidateModelName(protection.model));
  RETURN_IF_ERROR(ValidateAliasName(protection.alias));
  if (protection.require != kValidationRequirement) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown protection requirement '", Clip(protection.require, 64),
                     "' (the only one is '", kValidationRequirement, "')"));
  }
  if (protection.min_accuracy.has_value() &&
      !(*protection.min_accuracy >= 0 && *protection.min_accuracy <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("minimum accuracy ", *protection.min_accuracy,
                                                   " is outside [0, 1] (a top-1 share)"));
  }
  if (protection.max_p99_ms.has_value() &&
      !(*protection.max_p99_ms > 0 && std::isfinite(*protection.max_p99_ms))) {
    return absl::InvalidArgumentError(
        absl::StrCat("p99 budget ", *protection.max_p99_ms, " ms must be a positive number"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOverride(const GateOverride& override) {
  if (override.force && absl::StripAsciiWhitespace(override.reason).empty()) {
    return absl::InvalidArgumentError(
        "forcing a version past a protected alias's gate needs a reason (the ledger keeps it)");
  }
  return absl::OkStatus();
}

std::vector<std::string> GateReasons(const Protection& protection, int64_t version,
                                     const std::optional<VersionDocument>& report) {
  if (report.has_value()) return Reasons(protection, *report);
  return {absl::StrCat("it has no validation report (berth validate ", protection.model, "@",
                       version, " makes one)")};
}

absl::Status CheckGate(const Protection& protection, int64_t version,
                       const std::optional<VersionDocument>& report) {
  const std::vector<std::string> reasons = GateReasons(protection, version, report);
  if (reasons.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "version ", version, " of model '", protection.model, "' cannot go behind protected alias '",
      protection.alias, "' (", ProtectionText(protection), "): ", absl::StrJoin(reasons, "; "),
      ". Forcing it past the gate takes a reason"));
}

std::string ProtectionText(const Protection& protection) {
  std::string text = protection.require;
  if (protection.min_accuracy.has_value()) {
    absl::StrAppend(&text, ", top-1 >= ", *protection.min_accuracy);
  }
  if (protection.max_p99_ms.has_value()) {
    absl::StrAppend(&text, ", p99 <= ", *protection.max_p99_ms, " ms");
  }
  return text;
}

}  // namespace berth::registry
