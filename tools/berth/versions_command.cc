#include "versions_command.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "registry/gate.h"
#include "registry_access.h"
#include "validate_command.h"
#include "validation/report.h"

namespace berth::cli {
namespace {

using registry::ModelVersion;
using registry::Rfc3339Utc;

std::string JoinPairs(const std::vector<std::string>& pairs) {
  return pairs.empty() ? "-" : absl::StrJoin(pairs, ",");
}

std::string TagsText(const ModelVersion& v) {
  std::vector<std::string> pairs;
  for (const auto& [key, value] : v.tags) pairs.push_back(absl::StrCat(key, "=", value));
  return JoinPairs(pairs);
}

std::string MetricsText(const ModelVersion& v) {
  std::vector<std::string> pairs;
  for (const auto& [key, value] : v.metrics) pairs.push_back(fmt::format("{}={}", key, value));
  return JoinPairs(pairs);
}

// "profile (made 2026-12-07T00:00:00Z by ann, size 5120)", one per document; "-" for none.
std::string DocumentsText(const ModelVersion& v) {
  if (v.documents.empty()) return "-";
  std::vector<std::string> parts;
  for (const registry::VersionDocument& d : v.documents) {
    parts.push_back(absl::StrCat(d.kind, " (made ", Rfc3339Utc(d.created_at), " by ",
                                 d.created_by.empty() ? "-" : d.created_by, ", size ", d.size,
                                 ")"));
  }
  return absl::StrJoin(parts, "; ");
}

// "production (validation, top-1 >= 0.9): passes; staging (validation): refused: REASON";
// "-" when no alias of the model is protected.
std::string GatesText(const std::vector<registry::GateVerdict>& gates) {
  if (gates.empty()) return "-";
  std::vector<std::string> parts;
  for (const registry::GateVerdict& g : gates) {
    parts.push_back(absl::StrCat(
        g.protection.alias, " (", registry::ProtectionText(g.protection), "): ",
        g.reasons.empty() ? "passes" : absl::StrCat("refused: ", absl::StrJoin(g.reasons, "; "))));
  }
  return absl::StrJoin(parts, "; ");
}

void PrintVersionFields(const ModelVersion& v, const std::vector<std::string>& aliases,
                        const std::vector<registry::GateVerdict>& gates) {
  std::vector<std::vector<std::string>> fields = {
      {"model:", v.model},
      {"version:", absl::StrCat(v.version)},
      {"digest:", "sha256:" + v.digest},
      {"size:", absl::StrCat(v.size)},
      {"created_at:", Rfc3339Utc(v.created_at)},
      {"pushed_by:", v.pushed_by},
      {"aliases:", JoinPairs(aliases)},
      {"description:", v.description.empty() ? "-" : v.description},
      {"tags:", TagsText(v)},
      {"metrics:", MetricsText(v)},
      {"parent:", v.parent ? absl::StrCat(*v.parent) : "-"},
      {"derivation:", v.derivation.empty() ? "-" : v.derivation},
      {"documents:", DocumentsText(v)},
      {"gates:", GatesText(gates)},
      {"signature:", v.signature_json},
  };
  size_t width = 0;
  for (const auto& f : fields) width = std::max(width, f[0].size());
  for (const auto& f : fields) PrintLine(fmt::format("{:<{}} {}", f[0], width, f[1]));
}

// The version's validation report, one line per check (from the database or over the
// management API, as the rest of `show`).
absl::Status PrintValidation(RegistryAccess& registry, const ModelVersion& v) {
  const bool has_report = std::any_of(
      v.documents.begin(), v.documents.end(),
      [](const registry::VersionDocument& d) { return d.kind == validation::kReportDocumentKind; });
  if (!has_report) return absl::OkStatus();
  ASSIGN_OR_RETURN(registry::VersionDocument doc,
                   registry.Document(v.model, v.version, validation::kReportDocumentKind));
  std::vector<std::string> lines = ValidationSummaryLines(doc.body);
  PrintLine(absl::StrCat("validation: ", lines.front()));
  for (size_t i = 1; i < lines.size(); ++i) PrintLine(lines[i]);
  return absl::OkStatus();
}

}  // namespace

CLI::App* AddVersionsCommand(CLI::App& app, VersionsOptions* options) {
  CLI::App* cmd = app.add_subcommand("versions", "List the versions of a model in the registry");
  cmd->add_option("name", options->name, "Model name")->required();
  cmd->add_flag("--json", options->json, "Print a JSON array instead of a table");
  AddRegistryFlags(cmd, &options->registry);
  AddAdminUrlFlags(cmd, &options->registry);
  return cmd;
}

CLI::App* AddShowCommand(CLI::App& app, ShowOptions* options) {
  CLI::App* cmd = app.add_subcommand("show",
                                     "Show one version of a model (NAME@VERSION or "
                                     "NAME@ALIAS)");
  cmd->add_option("ref", options->name_ref, "NAME@REF")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object");
  AddRegistryFlags(cmd, &options->registry);
  AddAdminUrlFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunVersions(const VersionsOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, registry->Versions(options.name));
  ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry->ListAliases(options.name));
  if (options.json) {
    JsonWriter w;
    w.BeginArray();
    for (const ModelVersion& v : versions) WriteVersionJson(w, v, AliasesOf(aliases, v.version));
    w.EndArray();
    PrintLine(w.str());
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const ModelVersion& v : versions) {
    rows.push_back({absl::StrCat(v.version), Rfc3339Utc(v.created_at), absl::StrCat(v.size),
                    v.digest.substr(0, 12), JoinPairs(AliasesOf(aliases, v.version)), v.pushed_by,
                    v.description});
  }
  PrintTable({"VERSION", "CREATED_AT", "SIZE", "DIGEST", "ALIASES", "PUSHED_BY", "DESCRIPTION"},
             rows);
  return absl::OkStatus();
}

absl::Status RunShow(const ShowOptions& options) {
  ASSIGN_OR_RETURN(auto name_ref, SplitNameRef(options.name_ref));
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryAccess> registry, OpenRegistryAccess(options.registry));
  ASSIGN_OR_RETURN(ModelVersion v, registry->Show(name_ref.first, name_ref.second));
  ASSIGN_OR_RETURN(std::vector<registry::Alias> aliases, registry->ListAliases(v.model));
  if (options.json) {
    JsonWriter w;
    WriteVersionJson(w, v, AliasesOf(aliases, v.version));
    PrintLine(w.str());
  } else {
    ASSIGN_OR_RETURN(std::vector<registry::GateVerdict> gates, registry->Gates(v.model, v.version));
    PrintVersionFields(v, AliasesOf(aliases, v.version), gates);
    RETURN_IF_ERROR(PrintValidation(*registry, v));
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
