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

void AddRegistryFlags(CLI::App* cmd, RegistryFlags* flags) {
  cmd->add_option("--registry", flags->uri,
                  "Registry database: sqlite:PATH or postgresql://... (default " +
                      std::string(registry::kDefaultRegistryUri) + ")");
  cmd->add_option("--artifacts", flags->artifacts,
                  "Artifact folder (default: 'blobs' beside the SQLite file; "
                  "./berth-registry/blobs for PostgreSQL)");
  cmd->add_option("--actor", flags->actor, "Who is acting, for the ledger (default $USER)");
}

void AddAdminUrlFlags(CLI::App* cmd, RegistryFlags* flags) {
  CLI::Option* url = cmd->add_option(
      "--admin-url", flags->admin_url,
      "Call the management API of `berth serve --admin-port` at http://HOST:PORT instead of "
      "opening the registry's database");
  cmd->add_option("--admin-token-file", flags->admin_token_file,
                  "With --admin-url: file holding the API's bearer token")
      ->needs(url);
  url->excludes(cmd->get_option("--registry"));
  url->excludes(cmd->get_option("--artifacts"));
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
