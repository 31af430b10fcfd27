// Passing lists: text files of "suite/case" names, one per line, that must keep passing.
#ifndef BERTH_TESTS_CONFORMANCE_PASSING_LIST_H_
#define BERTH_TESTS_CONFORMANCE_PASSING_LIST_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scope.h"

namespace berth::conformance {

// Reads a list: one name per line; blank lines and lines starting with '#' are skipped,
// surrounding whitespace is trimmed.
absl::StatusOr<std::set<std::string>> ReadPassingList(const std::string& path);

// Writes `names` sorted, one per line, with a header comment.
absl::Status WritePassingList(const std::string& path, const std::set<std::string>& names);

struct ListCheck {
  std::vector<std::string> regressions;  // listed, run now, not passing ("name: outcome")
  std::vector<std::string> missing;      // listed, in a suite that ran, but not found
  std::vector<std::string> new_passes;   // passing now, not listed
};

// Compares this run's `outcomes` (by "suite/case") against `listed`. A listed name counts as
// missing only if its suite is in `suites_run` and it passes `filter` (a substring; empty
// matches everything); names of other suites are ignored.
ListCheck CheckPassingList(const std::set<std::string>& listed,
                           const std::map<std::string, Outcome>& outcomes,
                           const std::set<std::string>& suites_run, const std::string& filter);

}  // namespace berth::conformance

#endif  // BERTH_TESTS_CONFORMANCE_PASSING_LIST_H_
