#include "passing_list.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file_util.h"

namespace berth::conformance {

absl::StatusOr<std::set<std::string>> ReadPassingList(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  std::set<std::string> names;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    names.insert(std::string(line));
  }
  return names;
}

absl::Status WritePassingList(const std::string& path, const std::set<std::string>& names) {
  std::string text =
      "# Conformance cases that pass (suite/case); written by berth_conformance "
      "--write-passing-list.\n";
  for (const std::string& name : names) absl::StrAppend(&text, name, "\n");
  return WriteStringToFile(path, text);
}

ListCheck CheckPassingList(const std::set<std::string>& listed,
                           const std::map<std::string, Outcome>& outcomes,
                           const std::set<std::string>& suites_run, const std::string& filter) {
  ListCheck check;
  for (const std::string& name : listed) {
    auto it = outcomes.find(name);
    if (it != outcomes.end()) {
      if (it->second != Outcome::kPass) {
        check.regressions.push_back(absl::StrCat(name, ": ", OutcomeName(it->second)));
      }
      continue;
    }
    std::string suite = name.substr(0, name.find('/'));
    if (suites_run.count(suite) && (filter.empty() || absl::StrContains(name, filter))) {
      check.missing.push_back(name);
    }
  }
  for (const auto& [name, outcome] : outcomes) {
    if (outcome == Outcome::kPass && !listed.count(name)) check.new_passes.push_back(name);
  }
  return check;
}

}  // namespace berth::conformance
