#include "registry_cli.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"

namespace berth::cli {

using registry::Rfc3339Utc;

namespace {

void WriteOptionalInt(JsonWriter& w, const std::optional<int64_t>& value) {
  if (value.has_value()) {
    w.Int(*value);
  } else {
    w.Null();
  }
}

}  // namespace

void AddRegistryFlags(CLI::App* cmd, RegistryFlags* flags) {
  cmd->add_option("--registry", flags->uri,
                  "Registry database: sqlite:PATH or postgresql://... (default " +
                      std::string(registry::kDefaultRegistryUri) + ")");
  cmd->add_option("--artifacts", flags->artifacts,
                  "Artifact folder (default: 'blobs' beside the SQLite file; "
                  "./berth-registry/blobs for PostgreSQL)");
  cmd->add_option("--actor", flags->actor, "Who is acting, for the ledger (default $USER)");
}

absl::StatusOr<std::unique_ptr<registry::Registry>> OpenRegistry(const RegistryFlags& flags,
                                                                 registry::OpenMode mode) {
  return registry::Registry::Open(flags.uri, flags.artifacts, mode);
}

std::string Actor(const RegistryFlags& flags) {
  if (!flags.actor.empty()) return flags.actor;
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return user;
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return absl::StrCat("uid:", ::geteuid());
}

absl::StatusOr<std::pair<std::string, std::string>> SplitNameRef(const std::string& text) {
  size_t at = text.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not NAME@REF (REF is a version number or an alias)"));
  }
  return std::make_pair(text.substr(0, at), text.substr(at + 1));
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(const std::string& text,
                                                                  const std::string& what) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", text, "' is not KEY=VALUE"));
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

void WriteVersionJson(JsonWriter& w, const registry::ModelVersion& v,
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
  w.Key("parent");
  WriteOptionalInt(w, v.parent);
  w.Key("derivation").String(v.derivation);
  w.Key("aliases").BeginArray();
  for (const std::string& alias : aliases) w.String(alias);
  w.EndArray();
  w.Key("signature").Raw(v.signature_json);
  w.EndObject();
}

void WriteAliasJson(JsonWriter& w, const registry::Alias& a) {
  w.BeginObject();
  w.Key("model").String(a.model);
  w.Key("alias").String(a.alias);
  w.Key("version").Int(a.version);
  w.Key("updated_at").String(Rfc3339Utc(a.updated_at));
  w.EndObject();
}

void WriteDeploymentJson(JsonWriter& w, const registry::DeploymentRecord& r) {
  w.BeginObject();
  w.Key("id").Int(r.id);
  w.Key("model").String(r.model);
  w.Key("alias").String(r.alias);
  w.Key("from_version");
  WriteOptionalInt(w, r.from_version);
  w.Key("to_version").Int(r.to_version);
  w.Key("actor").String(r.actor);
  w.Key("reason").String(r.reason);
  w.Key("at").String(Rfc3339Utc(r.at));
  w.EndObject();
}

void WriteRolloutJson(JsonWriter& w, const registry::Rollout& r) {
  w.BeginObject();
  w.Key("id").Int(r.id);
  w.Key("model").String(r.spec.model);
  w.Key("alias").String(r.spec.alias);
  w.Key("candidate").Int(r.spec.candidate);
  w.Key("baseline").Int(r.baseline);
  w.Key("state").String(std::string(registry::RolloutStateName(r.state)));
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
  w.EndObject();
}

std::vector<std::string> AliasesOf(const std::vector<registry::Alias>& aliases, int64_t version) {
  std::vector<std::string> names;
  for (const registry::Alias& a : aliases) {
    if (a.version == version) names.push_back(a.alias);
  }
  return names;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows) widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : fmt::format("{:<{}}  ", row[c], widths[c]);
    }
    // An empty last column would leave the padding of the one before it.
    line.erase(line.find_last_not_of(' ') + 1);
    fmt::print("{}\n", line);
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
  std::fflush(stdout);
}

void PrintLine(const std::string& line) {
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

}  // namespace berth::cli
