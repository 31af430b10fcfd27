// Runs work items in forked child processes, so that a crash or a hang of one item is
// reported instead of taking the caller down.
//
// The caller must be single-threaded when it calls RunIsolated (fork copies only the calling
// thread): do the engine work inside `work`, never in the parent.
#ifndef BERTH_TESTS_CONFORMANCE_ISOLATED_RUNNER_H_
#define BERTH_TESTS_CONFORMANCE_ISOLATED_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "case_runner.h"

namespace berth::conformance {

struct IsolationOptions {
  int jobs = 1;                   // children running at once
  double timeout_seconds = 60;    // a child running longer is killed and reported as a crash
  int64_t memory_limit_mb = 0;    // address-space limit of each child; 0 = none
};

struct IsolatedResult {
  CaseResult result;
  double millis = 0;
  std::string output;  // the tail of what the child wrote on stdout/stderr (for crashes)
};

// Calls work(i) for every i in [0, count), each in its own child process, at most
// options.jobs at once, and on_done(i, result) for each in increasing i (as soon as all
// earlier items are done). A child that dies from a signal, exits without a result, throws,
// or exceeds the time limit gives Outcome::kCrash with the reason. Returns false only if a
// child could not be started at all (fork or pipe failure; reported through on_done too).
bool RunIsolated(size_t count, const std::function<CaseResult(size_t)>& work,
                 const IsolationOptions& options,
                 const std::function<void(size_t, const IsolatedResult&)>& on_done);

}  // namespace berth::conformance

#endif  // BERTH_TESTS_CONFORMANCE_ISOLATED_RUNNER_H_
