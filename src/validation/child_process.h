// Running work in a forked child process so that a crash or a hang of the work is reported
// instead of taking the caller down (the edge-case check runs models on inputs that may
// crash them).
//
// RunInChild forks only: call it while the process has run no multi-threaded work (fork copies
// only the calling thread; a child of a process whose OpenMP runtime ran a team hangs in the
// engine). RunCommandInChild forks and executes a program, which is safe at any time.
#ifndef BERTH_VALIDATION_CHILD_PROCESS_H_
#define BERTH_VALIDATION_CHILD_PROCESS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace berth::validation {

// What the work may call to report one line to the parent (tabs are kept; line ends inside
// become spaces).
using EmitLine = std::function<void(const std::string& line)>;

// `text` with its line ends (CR, LF) turned into spaces: one protocol line.
std::string AsOneLine(std::string text);

struct ChildOutcome {
  bool started = false;    // false: fork or pipe failed (see `reason`)
  bool completed = false;  // the work returned and the child exited 0
  bool timed_out = false;  // killed after the time limit
  std::string reason;      // why it did not complete: "killed by signal 11 (Segmentation fault)"
  std::vector<std::string> lines;  // what it emitted, in order
};

// Runs `work(emit)` in a forked child process and waits at most `timeout_seconds` (then kills
// it). At most `max_bytes` of lines are kept (the rest is dropped). Only for a process that has
// run no multi-threaded work yet (see above).
ChildOutcome RunInChild(const std::function<void(const EmitLine&)>& work, double timeout_seconds,
                        size_t max_bytes = 1 << 20);

// Runs the program `argv[0]` (a path) with `argv` in a new process (fork, then exec at once, so
// it is safe from a multi-threaded process) and collects the lines it writes on stdout, as
// RunInChild. An exec failure ends the child with status 127.
ChildOutcome RunCommandInChild(const std::vector<std::string>& argv, double timeout_seconds,
                               size_t max_bytes = 1 << 20);

}  // namespace berth::validation

#endif  // BERTH_VALIDATION_CHILD_PROCESS_H_
