// Flags that can also come from environment variables, for containers and service managers.
#ifndef BERTH_TOOLS_BERTH_ENV_OPTIONS_H_
#define BERTH_TOOLS_BERTH_ENV_OPTIONS_H_

#include <set>
#include <string>

#include "CLI/CLI.hpp"

namespace berth::cli {

// "http-port" -> "BERTH_HTTP_PORT": `prefix`, then the long name upper-cased with '-' as '_'.
std::string EnvironmentName(const std::string& prefix, const std::string& long_name);

// Gives every option of `cmd` that has a long name, is not in `skip` (long names without
// dashes) and has no environment name yet the name EnvironmentName(prefix, first long name).
// CLI11 reads the variable only when the option is not on the command line, so a flag given
// there wins. A variable set to the empty string counts as unset. List options take the
// variable's value split at commas (and so do their command-line values, a comma then being a
// separator), except those in `whole` (values that may hold commas, such as URLs: their
// variable is one value, and each command-line value stays whole). A flag reads true/false,
// 1/0, on/off, yes/no; a "--x,!--no-x" pair reads its variable as the value of --x.
void AddEnvironmentNames(CLI::App* cmd, const std::string& prefix,
                         const std::set<std::string>& skip,
                         const std::set<std::string>& whole = {});

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_ENV_OPTIONS_H_
