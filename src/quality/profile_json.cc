#include "quality/profile_json.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace berth::quality {
namespace {

using Json = rapidjson::Value;

constexpr char kFormat[] = "berth.profile";
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxTensors = 4096;

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid profile: ", where, ": ", what));
}

absl::Status OnlyMembers(const Json& object, const std::string& where,
                         std::initializer_list<const char*> allowed) {
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    const std::string name(m->name.GetString(), m->name.GetStringLength());
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) return Bad(where, absl::StrCat("unknown member '", name, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const Json*> Member(const Json& object, const std::string& where, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return Bad(where, absl::StrCat("member '", name, "' is missing"));
  return &it->value;
}

absl::StatusOr<std::string> StringMember(const Json& object, const std::string& where,
                                         const char* name) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, where, name));
  if (!v->IsString()) return Bad(where, absl::StrCat("'", name, "' must be a string"));
  return std::string(v->GetString(), v->GetStringLength());
}

absl::StatusOr<int64_t> IntMember(const Json& object, const std::string& where, const char* name,
                                  int64_t min, int64_t max) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, where, name));
  if (!v->IsInt64() || v->GetInt64() < min || v->GetInt64() > max) {
    return Bad(where, absl::StrCat("'", name, "' must be an integer from ", min, " to ", max));
  }
  return v->GetInt64();
}

absl::StatusOr<std::vector<double>> Numbers(const Json& object, const std::string& where,
                                            const char* name, size_t max) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, where, name));
  if (!v->IsArray() || v->Size() > max) {
    return Bad(where, absl::StrCat("'", name, "' must be an array of at most ", max, " numbers"));
  }
  std::vector<double> out;
  for (const Json& x : v->GetArray()) {
    if (!x.IsNumber() || !std::isfinite(x.GetDouble())) {
      return Bad(where, absl::StrCat("'", name, "' holds something other than a finite number"));
    }
    out.push_back(x.GetDouble());
  }
  return out;
}

absl::StatusOr<Histogram> ParseHistogram(const Json& v, const std::string& where,
                                         BinningKind kind) {
  if (!v.IsObject()) return Bad(where, "a histogram must be an object");
  RETURN_IF_ERROR(OnlyMembers(v, where, {"edges", "shares"}));
  const size_t max_edges = kind == BinningKind::kClasses ? kMaxClasses : kMaxBins;
  Histogram h;
  ASSIGN_OR_RETURN(h.edges, Numbers(v, where, "edges", max_edges));
  ASSIGN_OR_RETURN(h.shares, Numbers(v, where, "shares", max_edges + 1));
  for (size_t i = 1; i < h.edges.size(); ++i) {
    if (!(h.edges[i] > h.edges[i - 1])) return Bad(where, "'edges' must be strictly ascending");
  }
  if (h.shares.size() != h.edges.size() + 1) {
    return Bad(where, absl::StrCat("'shares' must have one more value than 'edges' (",
                                   h.edges.size() + 1, "), not ", h.shares.size()));
  }
  double sum = 0;
  for (double s : h.shares) {
    if (s < 0 || s > 1) return Bad(where, "'shares' must lie in [0, 1]");
    sum += s;
  }
  if (std::fabs(sum - 1) > 1e-3) {
    return Bad(where, absl::StrCat("'shares' sum to ", sum, ", not 1"));
  }
  return h;
}

absl::StatusOr<TensorProfile> ParseTensor(const Json& v, size_t index) {
  std::string where = absl::StrCat("tensors[", index, "]");
  if (!v.IsObject()) return Bad(where, "must be an object");
  RETURN_IF_ERROR(OnlyMembers(v, where, {"name", "role", "kind", "row_elements", "histograms"}));
  TensorProfile t;
  ASSIGN_OR_RETURN(t.name, StringMember(v, where, "name"));
  if (t.name.empty() || t.name.size() > kMaxNameBytes) {
    return Bad(where, absl::StrCat("'name' must be 1 to ", kMaxNameBytes, " bytes"));
  }
  where = absl::StrCat("tensor '", t.name, "'");
  ASSIGN_OR_RETURN(std::string role, StringMember(v, where, "role"));
  if (role == "input") {
    t.role = TensorRole::kInput;
  } else if (role == "output") {
    t.role = TensorRole::kOutput;
  } else {
    return Bad(where, absl::StrCat("unknown role '", role, "' (expected input or output)"));
  }
  ASSIGN_OR_RETURN(std::string kind, StringMember(v, where, "kind"));
  if (kind == "features") {
    t.kind = BinningKind::kFeatures;
  } else if (kind == "classes") {
    t.kind = BinningKind::kClasses;
  } else if (kind == "values") {
    t.kind = BinningKind::kValues;
  } else {
    return Bad(where, absl::StrCat("unknown kind '", kind,
                                   "' (expected features, classes or "
                                   "values)"));
  }
  if ((t.role == TensorRole::kInput) != (t.kind == BinningKind::kFeatures)) {
    return Bad(where, absl::StrCat("kind '", kind, "' does not fit role '", role,
                                   "' (inputs are features, outputs classes or values)"));
  }
  ASSIGN_OR_RETURN(t.row_elements, IntMember(v, where, "row_elements", 1, int64_t{1} << 40));
  ASSIGN_OR_RETURN(const Json* histograms, Member(v, where, "histograms"));
  const int64_t expected = HistogramCount(t.kind, t.row_elements);
  if (!histograms->IsArray() || static_cast<int64_t>(histograms->Size()) != expected) {
    return Bad(where, absl::StrCat("'histograms' must be an array of ", expected,
                                   " histograms for ", t.row_elements, " elements per row"));
  }
  for (rapidjson::SizeType i = 0; i < histograms->Size(); ++i) {
    ASSIGN_OR_RETURN(Histogram h, ParseHistogram((*histograms)[i],
                                                 absl::StrCat(where, " histogram ", i), t.kind));
    t.histograms.push_back(std::move(h));
  }
  return t;
}

}  // namespace

std::string ProfileToJson(const Profile& profile) {
  JsonWriter w(0);
  w.BeginObject();
  w.Key("format").String(kFormat);
  w.Key("format_version").Int(kProfileFormatVersion);
  w.Key("created_at")
      .String(absl::FormatTime(absl::RFC3339_full, profile.created_at, absl::UTCTimeZone()));
  w.Key("source").String(profile.source);
  w.Key("rows").Int(profile.rows);
  w.Key("bins").Int(profile.bins);
  w.Key("tensors").BeginArray();
  for (const TensorProfile& t : profile.tensors) {
    w.BeginObject();
    w.Key("name").String(t.name);
    w.Key("role").String(TensorRoleName(t.role));
    w.Key("kind").String(BinningKindName(t.kind));
    w.Key("row_elements").Int(t.row_elements);
    w.Key("histograms").BeginArray();
    for (const Histogram& h : t.histograms) {
      w.BeginObject();
      w.Key("edges").BeginArray();
      for (double e : h.edges) w.Double(e);
      w.EndArray();
      w.Key("shares").BeginArray();
      for (double s : h.shares) w.Double(s);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str();
}

absl::StatusOr<Profile> ParseProfileJson(std::string_view json) {
  if (json.size() > kMaxProfileJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid profile: ", json.size(), " bytes, more than the limit of ", kMaxProfileJsonBytes));
  }
  rapidjson::Document doc;
  ParseJson(doc, json);
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid profile: not JSON (",
                                                   rapidjson::GetParseError_En(doc.GetParseError()),
                                                   " at offset ", doc.GetErrorOffset(), ")"));
  }
  if (!doc.IsObject()) return Bad("the document", "must be a JSON object");
  RETURN_IF_ERROR(
      OnlyMembers(doc, "the document",
                  {"format", "format_version", "created_at", "source", "rows", "bins", "tensors"}));
  ASSIGN_OR_RETURN(std::string format, StringMember(doc, "the document", "format"));
  if (format != kFormat) {
    return Bad("the document", absl::StrCat("'format' is '", format, "', not '", kFormat, "'"));
  }
  ASSIGN_OR_RETURN(int64_t version, IntMember(doc, "the document", "format_version", 1, 1 << 20));
  if (version != kProfileFormatVersion) {
    return Bad("the document", absl::StrCat("format_version ", version,
                                            " is not supported "
                                            "(this berth reads version ",
                                            kProfileFormatVersion, ")"));
  }
  Profile profile;
  ASSIGN_OR_RETURN(std::string created, StringMember(doc, "the document", "created_at"));
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, created, &profile.created_at, &error)) {
    return Bad("the document", absl::StrCat("'created_at' is not an RFC 3339 time: ", error));
  }
  ASSIGN_OR_RETURN(profile.source, StringMember(doc, "the document", "source"));
  ASSIGN_OR_RETURN(profile.rows, IntMember(doc, "the document", "rows", 1, int64_t{1} << 50));
  ASSIGN_OR_RETURN(int64_t bins, IntMember(doc, "the document", "bins", 2, kMaxBins));
  profile.bins = static_cast<int>(bins);
  ASSIGN_OR_RETURN(const Json* tensors, Member(doc, "the document", "tensors"));
  if (!tensors->IsArray() || tensors->Empty() || tensors->Size() > kMaxTensors) {
    return Bad("the document",
               absl::StrCat("'tensors' must be an array of 1 to ", kMaxTensors, " tensors"));
  }
  std::set<std::pair<TensorRole, std::string>> seen;
  for (rapidjson::SizeType i = 0; i < tensors->Size(); ++i) {
    ASSIGN_OR_RETURN(TensorProfile t, ParseTensor((*tensors)[i], i));
    if (!seen.emplace(t.role, t.name).second) {
      return Bad(absl::StrCat("tensor '", t.name, "'"), "is profiled twice");
    }
    profile.tensors.push_back(std::move(t));
  }
  return profile;
}

}  // namespace berth::quality
