#include "env_options.h"

#include <cctype>

namespace berth::cli {

std::string EnvironmentName(const std::string& prefix, const std::string& long_name) {
  std::string name = prefix;
  for (char c : long_name) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

void AddEnvironmentNames(CLI::App* cmd, const std::string& prefix,
                         const std::set<std::string>& skip, const std::set<std::string>& whole) {
  for (CLI::Option* option : cmd->get_options()) {
    const std::vector<std::string>& names = option->get_lnames();
    if (names.empty() || skip.count(names.front()) > 0 || !option->get_envname().empty()) {
      continue;
    }
    if (option->get_items_expected_max() > 1 && whole.count(names.front()) == 0) {
      option->delimiter(',');
    }
    option->envname(EnvironmentName(prefix, names.front()));
  }
}

}  // namespace berth::cli
