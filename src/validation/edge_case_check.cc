#include "validation/edge_case_check.h"

#include <cstdio>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::validation {
namespace {

std::string Clean(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t') c = ' ';
  }
  return out;
}

void ChildWork(const std::string& model_path, const EdgeCaseOptions& options,
               const EmitLine& emit) {
  auto model = engine::Model::LoadFromFile(model_path, options.model);
  if (!model.ok()) {
    emit(absl::StrCat("skip\tthe model did not load: ", Clean(model.status().message())));
    return;
  }
  auto cases = MakeEdgeCases((*model)->inputs(), options.largest_batch, options.seed);
  if (!cases.ok()) {
    emit(absl::StrCat("skip\t", Clean(cases.status().message())));
    return;
  }
  if (!cases->empty() && !cases->back().inputs.empty() && cases->back().inputs[0].rank() > 0) {
    emit(absl::StrCat("largest\t", cases->back().inputs[0].dim(0)));
  }
  for (const EdgeCase& c : *cases) {
    emit(absl::StrCat("begin\t", Clean(c.name)));
    EdgeCaseResult r = RunEdgeCase(**model, c);
    emit(absl::StrCat("end\t", Clean(r.name), "\t", EdgeOutcomeName(r.outcome), "\t",
                      Clean(r.detail)));
  }
}

}  // namespace

CheckResult EdgeCaseCheckIsolated(const std::string& model_path, const EdgeCaseOptions& options) {
  if (!options.child_command.empty()) {
    std::vector<std::string> argv = options.child_command;
    argv.insert(argv.end(),
                {model_path, absl::StrCat(options.largest_batch), absl::StrCat(options.seed),
                 absl::StrCat(options.model.intra_op_threads)});
    return EdgeCaseCheckFrom(RunCommandInChild(argv, options.timeout_seconds),
                             options.largest_batch);
  }
  // Forked only: a child of a process whose OpenMP runtime ran a team of several threads
  // cannot start another; one thread is safe once nothing multi-threaded ran before.
  EdgeCaseOptions single = options;
  single.model.intra_op_threads = 1;
  ChildOutcome child = RunInChild(
      [&](const EmitLine& emit) { ChildWork(model_path, single, emit); }, options.timeout_seconds);
  return EdgeCaseCheckFrom(child, options.largest_batch);
}

int RunEdgeCaseChild(const std::vector<std::string>& args) {
  EdgeCaseOptions options;
  int threads = 0;
  if (args.size() != 4 || !absl::SimpleAtoi(args[1], &options.largest_batch) ||
      !absl::SimpleAtoi(args[2], &options.seed) || !absl::SimpleAtoi(args[3], &threads) ||
      options.largest_batch < 1 || threads < 0) {
    std::fprintf(stderr, "berth: validate-edge-cases takes MODEL LARGEST_BATCH SEED THREADS\n");
    return 2;
  }
  options.model.intra_op_threads = threads;
  ChildWork(args[0], options, [](const std::string& line) {
    std::fputs((AsOneLine(line) + "\n").c_str(), stdout);
    std::fflush(stdout);  // a crash must not lose the line naming the case
  });
  return 0;
}

CheckResult EdgeCaseCheckFrom(const ChildOutcome& child, int64_t largest_batch) {
  CheckResult check;
  check.name = "edge_cases";
  if (!child.started) {
    check.status = CheckStatus::kFailed;
    check.message = absl::StrCat("could not start the child process for the cases: ", child.reason);
    return check;
  }
  std::vector<std::string> names;
  std::vector<std::string> failures;
  std::string pending;  // a case begun and not ended
  int64_t ok = 0;
  int64_t refused = 0;
  std::vector<std::string> refused_names;
  int64_t failed = 0;
  for (const std::string& line : child.lines) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits('\t', 3));
    if (f[0] == "skip" && f.size() >= 2) {
      check.status = CheckStatus::kSkipped;
      check.message = f[1];
      return check;
    }
    if (f[0] == "begin" && f.size() >= 2) pending = f[1];
    if (f[0] == "largest" && f.size() >= 2) {
      int64_t rows = 0;
      if (absl::SimpleAtoi(f[1], &rows)) largest_batch = rows;
    }
    if (f[0] != "end" || f.size() < 4) continue;
    pending.clear();
    names.push_back(f[1]);
    if (f[2] == "ok") {
      ++ok;
    } else if (f[2] == "refused") {
      ++refused;
      refused_names.push_back(f[1]);
    } else {
      ++failed;
      failures.push_back(absl::StrCat("case '", f[1], "' ", f[2], ": ", f[3]));
    }
  }
  if (!child.completed) {
    ++failed;
    failures.push_back(pending.empty() ? absl::StrCat("the case runner ", child.reason)
                                       : absl::StrCat("case '", pending, "' crashed the model: it ",
                                                      child.reason));
  }
  check.figures = {{"cases", static_cast<double>(names.size() + (pending.empty() ? 0 : 1))},
                   {"ok", static_cast<double>(ok)},
                   {"refused", static_cast<double>(refused)},
                   {"failed", static_cast<double>(failed)},
                   {"largest_batch", static_cast<double>(largest_batch)}};
  if (failed > 0) {
    check.status = CheckStatus::kFailed;
    check.message = absl::StrJoin(failures, "; ");
    return check;
  }
  check.status = CheckStatus::kPassed;
  check.message =
      absl::StrCat(names.size(), " cases (", absl::StrJoin(names, ", "), "): ", ok,
                   " ran with finite, repeatable outputs, ", refused, " refused with an error");
  if (refused > 0) absl::StrAppend(&check.message, " (", absl::StrJoin(refused_names, ", "), ")");
  return check;
}

}  // namespace berth::validation
