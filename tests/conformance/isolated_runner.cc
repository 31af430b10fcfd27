#include "isolated_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::conformance {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOutputBytes = 16 * 1024;

struct Child {
  size_t index = 0;
  pid_t pid = -1;
  int result_fd = -1;
  int output_fd = -1;
  std::string result;
  std::string output;
  Clock::time_point start;
  bool killed = false;
};

std::string OneLine(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\r", " "}, {"\n", " | "}});
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// The body of a child process: never returns.
[[noreturn]] void ChildMain(size_t index, const std::function<CaseResult(size_t)>& work,
                            const IsolationOptions& options, int result_fd, int output_fd) {
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (options.memory_limit_mb > 0) {
    rlim_t bytes = static_cast<rlim_t>(options.memory_limit_mb) << 20;
    rlimit as{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &as);
  }
  CaseResult result;
  try {
    result = work(index);
  } catch (const std::exception& e) {
    result = {Outcome::kCrash, absl::StrCat("uncaught exception: ", e.what())};
  } catch (...) {
    result = {Outcome::kCrash, "uncaught exception"};
  }
#if defined(__SANITIZE_ADDRESS__)
  // _exit skips LeakSanitizer's exit check: run it here, so that an ASan build of the runner
  // finds leaks case by case (the report goes to the case's output).
  if (result.outcome != Outcome::kCrash && __lsan_do_recoverable_leak_check() != 0) {
    result = {Outcome::kCrash, "LeakSanitizer found leaks"};
  }
#endif
  std::fflush(stdout);
  std::fflush(stderr);
  WriteAll(result_fd, absl::StrCat(static_cast<int>(result.outcome), "\n", OneLine(result.reason)));
  ::_exit(0);
}

bool StartChild(size_t index, const std::function<CaseResult(size_t)>& work,
                const IsolationOptions& options, Child* child, std::string* error) {
  int result_pipe[2], output_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) {
    *error = absl::StrCat("pipe: ", std::strerror(errno));
    return false;
  }
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    *error = absl::StrCat("pipe: ", std::strerror(errno));
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    return false;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = absl::StrCat("fork: ", std::strerror(errno));
    for (int fd : {result_pipe[0], result_pipe[1], output_pipe[0], output_pipe[1]}) ::close(fd);
    return false;
  }
  if (pid == 0) {
    ::close(result_pipe[0]);
    ::close(output_pipe[0]);
    ChildMain(index, work, options, result_pipe[1], output_pipe[1]);
  }
  ::close(result_pipe[1]);
  ::close(output_pipe[1]);
  child->index = index;
  child->pid = pid;
  child->result_fd = result_pipe[0];
  child->output_fd = output_pipe[0];
  child->start = Clock::now();
  return true;
}

// Reads what is available on *fd into *buffer; closes it and sets -1 at end of file.
void Drain(int* fd, std::string* buffer, size_t keep_bytes) {
  char chunk[8192];
  ssize_t n = ::read(*fd, chunk, sizeof(chunk));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    ::close(*fd);
    *fd = -1;
    return;
  }
  buffer->append(chunk, static_cast<size_t>(n));
  if (buffer->size() > keep_bytes) buffer->erase(0, buffer->size() - keep_bytes);
}

std::string LastLine(const std::string& output) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(output, absl::ByAnyChar("\r\n"), absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(absl::StripAsciiWhitespace(lines.back()));
}

IsolatedResult Finish(const Child& child, int wait_status, const IsolationOptions& options) {
  IsolatedResult out;
  out.millis = std::chrono::duration<double, std::milli>(Clock::now() - child.start).count();
  out.output = child.output;
  std::string reason;
  if (child.killed) {
    reason = absl::StrCat("timed out after ", options.timeout_seconds, " s (killed)");
  } else if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    const char* name = ::sigabbrev_np(sig);
    reason = absl::StrCat("killed by signal SIG", name ? name : "?", " (", ::strsignal(sig), ")");
  } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0) {
    reason = absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  } else {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(child.result, absl::MaxSplits('\n', 1));
    int code = -1;
    if (absl::SimpleAtoi(parts.first, &code) && code >= 0 &&
        code <= static_cast<int>(Outcome::kCrash)) {
      out.result = {static_cast<Outcome>(code), std::string(parts.second)};
      return out;
    }
    reason = "exited without a result";
  }
  std::string last = LastLine(child.output);
  if (!last.empty()) absl::StrAppend(&reason, "; last output: ", OneLine(last));
  out.result = {Outcome::kCrash, reason};
  return out;
}

}  // namespace

bool RunIsolated(size_t count, const std::function<CaseResult(size_t)>& work,
                 const IsolationOptions& options,
                 const std::function<void(size_t, const IsolatedResult&)>& on_done) {
  const size_t jobs = static_cast<size_t>(std::max(1, options.jobs));
  const auto timeout = std::chrono::duration<double>(options.timeout_seconds);
  std::vector<Child> running;
  std::map<size_t, IsolatedResult> finished;
  size_t next_to_start = 0, next_to_report = 0;
  bool all_started = true;

  while (next_to_report < count) {
    while (running.size() < jobs && next_to_start < count) {
      Child child;
      std::string error;
      if (StartChild(next_to_start, work, options, &child, &error)) {
        running.push_back(std::move(child));
      } else {
        all_started = false;
        IsolatedResult failed;
        failed.result = {Outcome::kCrash, absl::StrCat("could not start the case: ", error)};
        finished[next_to_start] = failed;
      }
      ++next_to_start;
    }

    std::vector<pollfd> fds;
    auto now = Clock::now();
    int wait_ms = 1000;
    for (Child& c : running) {
      if (c.result_fd >= 0) fds.push_back({c.result_fd, POLLIN, 0});
      if (c.output_fd >= 0) fds.push_back({c.output_fd, POLLIN, 0});
      if (c.result_fd < 0 && c.output_fd < 0) wait_ms = std::min(wait_ms, 10);
      if (!c.killed) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        c.start + timeout - now).count();
        wait_ms = std::min<int>(wait_ms, static_cast<int>(std::max<int64_t>(left, 0)) + 1);
      }
    }
    if (!running.empty()) ::poll(fds.data(), fds.size(), wait_ms);

    now = Clock::now();
    for (size_t k = 0; k < running.size();) {
      Child& c = running[k];
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == c.result_fd) Drain(&c.result_fd, &c.result, 1 << 20);
        if (p.fd == c.output_fd) Drain(&c.output_fd, &c.output, kMaxOutputBytes);
      }
      if (!c.killed && now - c.start > timeout) {
        ::kill(c.pid, SIGKILL);
        c.killed = true;
      }
      int status = 0;
      if (c.result_fd < 0 && c.output_fd < 0) {
        pid_t done = ::waitpid(c.pid, &status, WNOHANG);
        if (done == c.pid || (done < 0 && errno == ECHILD)) {
          finished[c.index] = Finish(c, status, options);
          running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
          continue;
        }
      }
      ++k;
    }

    while (next_to_report < count && finished.count(next_to_report)) {
      on_done(next_to_report, finished[next_to_report]);
      finished.erase(next_to_report);
      ++next_to_report;
    }
  }
  return all_started;
}

}  // namespace berth::conformance
