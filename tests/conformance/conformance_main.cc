// berth_conformance: runs ONNX backend test suites through the engine, one forked child per
// case, and reports pass / fail / unsupported / out-of-scope / crash per case and suite.
//
//   berth_conformance SUITE_DIR... [--jobs 2] [--filter add] [--json results.json]
//                     [--passing-list list.txt] [--write-passing-list list.txt]
//
// Exit status: 1 when a case on --passing-list no longer passes or any case crashes (unless
// --allow-crashes), 2 on usage errors, 0 otherwise.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "case_runner.h"
#include "common/file_util.h"
#include "common/json_writer.h"
#include "fmt/format.h"
#include "isolated_runner.h"
#include "passing_list.h"
#include "scope.h"

namespace berth::conformance {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string suite;
  std::string name;  // the case folder's name
  std::string dir;
  std::string full_name() const { return suite + "/" + name; }
};

struct Flags {
  std::vector<std::string> suite_dirs;
  std::string json_path;
  std::string passing_list;
  std::string write_passing_list;
  std::string filter;
  int jobs = 1;
  int threads = 1;
  double timeout_seconds = 60;
  int64_t memory_limit_mb = 4096;
  bool allow_crashes = false;
  bool quiet = false;
};

std::string SuiteName(const std::string& dir) {
  fs::path p(dir);
  if (p.filename().empty()) p = p.parent_path();  // "node/" -> "node"
  return p.filename().string();
}

// Case folders (those holding model.onnx) of every suite, in suite then name order.
bool DiscoverCases(const Flags& flags, std::vector<Case>* cases, std::vector<std::string>* suites) {
  for (const std::string& dir : flags.suite_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      fmt::print(stderr, "berth_conformance: suite directory '{}' does not exist\n", dir);
      return false;
    }
    std::string suite = SuiteName(dir);
    suites->push_back(suite);
    std::vector<Case> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
      if (!entry.is_directory(ec) || !fs::exists(entry.path() / "model.onnx", ec)) continue;
      Case c{suite, entry.path().filename().string(), entry.path().string()};
      if (!flags.filter.empty() && !absl::StrContains(c.full_name(), flags.filter)) continue;
      found.push_back(c);
    }
    std::sort(found.begin(), found.end(),
              [](const Case& a, const Case& b) { return a.name < b.name; });
    cases->insert(cases->end(), found.begin(), found.end());
  }
  return true;
}

struct Counts {
  std::map<Outcome, int> by_outcome;
  int in_scope() const {
    int n = 0;
    for (const auto& [o, k] : by_outcome) n += o == Outcome::kOutOfScope ? 0 : k;
    return n;
  }
  int get(Outcome o) const {
    auto it = by_outcome.find(o);
    return it == by_outcome.end() ? 0 : it->second;
  }
};

std::string SummaryLine(const std::string& label, const Counts& c) {
  int in_scope = c.in_scope();
  double rate = in_scope == 0 ? 0.0 : 100.0 * c.get(Outcome::kPass) / in_scope;
  return fmt::format(
      "{}: {} pass, {} fail, {} unsupported, {} crash, {} out-of-scope (pass rate {:.1f}% of "
      "in-scope)",
      label, c.get(Outcome::kPass), c.get(Outcome::kFail), c.get(Outcome::kUnsupported),
      c.get(Outcome::kCrash), c.get(Outcome::kOutOfScope), rate);
}

// `reason` without node names ("Foo node 'n3': operator ..." -> "operator ..."), so that
// cases failing for the same cause count together.
std::string ReasonKey(std::string reason) {
  for (size_t at = reason.find(" node '"); at != std::string::npos; at = reason.find(" node '")) {
    size_t end = reason.find("': ", at + 7);
    if (end == std::string::npos) break;
    size_t start = reason.rfind(' ', at == 0 ? 0 : at - 1);
    start = start == std::string::npos ? 0 : start + 1;
    reason.erase(start, end + 3 - start);
  }
  return reason;
}

absl::Status WriteJson(const std::string& path, const std::vector<Case>& cases,
                       const std::vector<IsolatedResult>& results,
                       const std::vector<std::string>& suites,
                       const std::map<std::string, Counts>& counts) {
  JsonWriter w(1);
  w.BeginObject();
  w.Key("suites").BeginObject();
  for (const std::string& suite : suites) {
    const Counts& c = counts.count(suite) ? counts.at(suite) : Counts{};
    w.Key(suite).BeginObject();
    for (Outcome o : {Outcome::kPass, Outcome::kFail, Outcome::kUnsupported, Outcome::kCrash,
                      Outcome::kOutOfScope}) {
      w.Key(OutcomeName(o)).Int(c.get(o));
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("cases").BeginArray();
  for (size_t i = 0; i < cases.size(); ++i) {
    w.BeginObject();
    w.Key("name").String(cases[i].full_name());
    w.Key("status").String(OutcomeName(results[i].result.outcome));
    w.Key("reason").String(results[i].result.reason);
    w.Key("ms").Double(results[i].millis);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return WriteStringToFile(path, w.str() + "\n");
}

int Run(const Flags& flags) {
  std::set<std::string> listed;
  if (!flags.passing_list.empty()) {
    absl::StatusOr<std::set<std::string>> read = ReadPassingList(flags.passing_list);
    if (!read.ok()) {
      fmt::print(stderr, "berth_conformance: cannot read --passing-list: {}\n",
                 std::string(read.status().message()));
      return 1;
    }
    listed = std::move(*read);
  }
  std::vector<Case> cases;
  std::vector<std::string> suites;
  if (!DiscoverCases(flags, &cases, &suites)) return 1;

  RunOptions run_options;
  run_options.threads = flags.threads;
  IsolationOptions isolation;
  isolation.jobs = flags.jobs;
  isolation.timeout_seconds = flags.timeout_seconds;
  isolation.memory_limit_mb = flags.memory_limit_mb;

  std::vector<IsolatedResult> results(cases.size());
  std::map<std::string, Counts> counts;
  std::map<std::string, Outcome> outcomes;
  RunIsolated(
      cases.size(), [&](size_t i) { return RunCase(cases[i].dir, run_options); }, isolation,
      [&](size_t i, const IsolatedResult& r) {
        results[i] = r;
        ++counts[cases[i].suite].by_outcome[r.result.outcome];
        outcomes[cases[i].full_name()] = r.result.outcome;
        if (flags.quiet && r.result.outcome != Outcome::kCrash) return;
        std::string line =
            fmt::format("{}: {}", cases[i].full_name(), OutcomeName(r.result.outcome));
        if (!r.result.reason.empty()) line += " [" + r.result.reason + "]";
        fmt::print("{}\n", line);
        std::fflush(stdout);
      });

  // Crashes are bugs: repeat them, with what the child printed, where nobody can miss them.
  std::vector<size_t> crashes;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (results[i].result.outcome == Outcome::kCrash) crashes.push_back(i);
  }
  if (!crashes.empty()) {
    fmt::print("\n!!! {} CRASH{} (bugs: the engine must never crash) !!!\n", crashes.size(),
               crashes.size() == 1 ? "" : "ES");
    for (size_t i : crashes) {
      fmt::print("CRASH {}: {}\n", cases[i].full_name(), results[i].result.reason);
      std::string tail = results[i].output;
      if (tail.size() > 2000) tail = "..." + tail.substr(tail.size() - 2000);
      if (!tail.empty()) fmt::print("  output tail:\n{}\n", tail);
    }
  }

  // The most common reasons a case is unsupported: what to implement next.
  std::map<std::string, int> unsupported_reasons;
  for (const IsolatedResult& r : results) {
    if (r.result.outcome == Outcome::kUnsupported) {
      ++unsupported_reasons[ReasonKey(r.result.reason)];
    }
  }
  if (!unsupported_reasons.empty() && !flags.quiet) {
    std::vector<std::pair<int, std::string>> top;
    for (const auto& [reason, n] : unsupported_reasons) top.emplace_back(-n, reason);
    std::sort(top.begin(), top.end());
    fmt::print("\nMost common unsupported reasons:\n");
    for (size_t k = 0; k < std::min<size_t>(top.size(), 15); ++k) {
      fmt::print("  {:4}  {}\n", -top[k].first, top[k].second);
    }
  }

  fmt::print("\n");
  Counts total;
  for (const std::string& suite : suites) {
    const Counts& c = counts[suite];
    for (const auto& [o, k] : c.by_outcome) total.by_outcome[o] += k;
    fmt::print("{}\n", SummaryLine("suite " + suite, c));
  }
  if (suites.size() > 1) fmt::print("{}\n", SummaryLine("total", total));

  int exit_code = 0;
  if (!flags.json_path.empty()) {
    absl::Status written = WriteJson(flags.json_path, cases, results, suites, counts);
    if (!written.ok()) {
      fmt::print(stderr, "berth_conformance: cannot write --json: {}\n",
                 std::string(written.message()));
      exit_code = 1;
    }
  }
  if (!flags.write_passing_list.empty()) {
    std::set<std::string> passing;
    for (const auto& [name, outcome] : outcomes) {
      if (outcome == Outcome::kPass) passing.insert(name);
    }
    absl::Status written = WritePassingList(flags.write_passing_list, passing);
    if (!written.ok()) {
      fmt::print(stderr, "berth_conformance: cannot write --write-passing-list: {}\n",
                 std::string(written.message()));
      exit_code = 1;
    } else {
      fmt::print("wrote {} passing cases to {}\n", passing.size(), flags.write_passing_list);
    }
  }
  if (!flags.passing_list.empty()) {
    std::set<std::string> suite_set(suites.begin(), suites.end());
    ListCheck check = CheckPassingList(listed, outcomes, suite_set, flags.filter);
    for (const std::string& name : check.missing) {
      fmt::print("warning: {} is on the passing list but was not found\n", name);
    }
    if (!check.new_passes.empty()) {
      const bool one = check.new_passes.size() == 1;
      fmt::print("{} case{} pass{} but {} not on {} (update it with --write-passing-list):\n",
                 check.new_passes.size(), one ? "" : "s", one ? "es" : "", one ? "is" : "are",
                 flags.passing_list);
      for (size_t k = 0; k < std::min<size_t>(check.new_passes.size(), 30); ++k) {
        fmt::print("  {}\n", check.new_passes[k]);
      }
      if (check.new_passes.size() > 30) fmt::print("  ...\n");
    }
    if (!check.regressions.empty()) {
      fmt::print("\nREGRESSION: {} case{} on {} no longer pass{}:\n", check.regressions.size(),
                 check.regressions.size() == 1 ? "" : "s", flags.passing_list,
                 check.regressions.size() == 1 ? "es" : "");
      for (const std::string& r : check.regressions) fmt::print("  {}\n", r);
      exit_code = 1;
    } else {
      fmt::print("no regressions against {} ({} cases)\n", flags.passing_list, listed.size());
    }
  }
  if (!crashes.empty() && !flags.allow_crashes) {
    fmt::print("FAILED: {} crash{}\n", crashes.size(), crashes.size() == 1 ? "" : "es");
    exit_code = 1;
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace
}  // namespace berth::conformance

int main(int argc, char** argv) {
  berth::conformance::Flags flags;
  CLI::App app{"Runs ONNX backend test suites (folders of case folders) through the engine",
               "berth_conformance"};
  app.add_option("suites", flags.suite_dirs,
                 "Suite folders (e.g. .../onnx/backend/test/data/node)")
      ->required();
  app.add_option("--json", flags.json_path, "Write the per-case results to this JSON file");
  app.add_option("--passing-list", flags.passing_list,
                 "Cases (suite/case per line) that must pass; any that does not is a regression");
  app.add_option("--write-passing-list", flags.write_passing_list,
                 "Write the cases passing now (sorted) to this file");
  app.add_option("--filter", flags.filter, "Run only cases whose suite/case contains this");
  app.add_option("--jobs", flags.jobs, "Cases run at once")->check(CLI::Range(1, 64));
  app.add_option("--threads", flags.threads, "Engine intra-op threads per case")
      ->check(CLI::Range(0, 64));
  app.add_option("--timeout", flags.timeout_seconds, "Seconds before a case is killed")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--memory-limit-mb", flags.memory_limit_mb,
                 "Address-space limit of each case's process (0 = none; use 0 under ASan)");
  app.add_flag("--allow-crashes", flags.allow_crashes, "Do not fail the run because of crashes");
  app.add_flag("--quiet", flags.quiet, "Print only crashes and the summaries");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    fmt::print(stderr, "berth_conformance: {} (see --help)\n", e.what());
    return 2;
  }
#if defined(__SANITIZE_ADDRESS__)
  flags.memory_limit_mb = 0;  // ASan reserves terabytes of address space
#endif
  return berth::conformance::Run(flags);
}
