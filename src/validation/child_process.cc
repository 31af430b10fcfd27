#include "validation/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::validation {
namespace {

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void ChildMain(int fd, const std::function<void(const EmitLine&)>& work) {
  int code = 0;
  try {
    work([fd](const std::string& line) { WriteAll(fd, AsOneLine(line) + "\n"); });
  } catch (const std::exception& e) {
    WriteAll(fd, absl::StrCat("exception\t", e.what(), "\n"));
    code = 3;
  } catch (...) {
    code = 3;
  }
  ::close(fd);
  ::_exit(code);  // no destructors or atexit handlers of the parent's state
}

std::string WaitReason(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return absl::StrCat("killed by signal ", sig, " (", ::strsignal(sig), ")");
  }
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  return "ended in an unknown way";
}

// Forks a child that runs `child_main(write_fd)` (which must not return) and gathers what it
// writes to the pipe until it ends or the time is up.
ChildOutcome Supervise(const std::function<void(int)>& child_main, double timeout_seconds,
                       size_t max_bytes) {
  ChildOutcome out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    out.reason = absl::StrCat("pipe: ", std::strerror(errno));
    return out;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    out.reason = absl::StrCat("fork: ", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return out;
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1]);
    ::_exit(127);
  }
  ::close(fds[1]);
  out.started = true;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  std::string text;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      out.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: the child closed the pipe or died
    if (text.size() < max_bytes)
      text.append(buffer, std::min(static_cast<size_t>(n), max_bytes - text.size()));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.completed = !out.timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (out.timed_out) {
    out.reason = absl::StrCat("did not finish within ", timeout_seconds, " s");
  } else if (!out.completed) {
    out.reason = WaitReason(status);
  }
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    out.lines.emplace_back(line);
  }
  return out;
}

}  // namespace

std::string AsOneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

ChildOutcome RunInChild(const std::function<void(const EmitLine&)>& work, double timeout_seconds,
                        size_t max_bytes) {
  return Supervise([&](int fd) { ChildMain(fd, work); }, timeout_seconds, max_bytes);
}

ChildOutcome RunCommandInChild(const std::vector<std::string>& argv, double timeout_seconds,
                               size_t max_bytes) {
  if (argv.empty()) {
    ChildOutcome out;
    out.reason = "no command to run";
    return out;
  }
  // Everything the child needs is made before the fork: between fork and exec only
  // async-signal-safe calls are allowed (the parent may have other threads).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return Supervise(
      [&](int fd) {
        if (fd != STDOUT_FILENO) ::dup2(fd, STDOUT_FILENO);  // dup2 clears close-on-exec
        ::execv(args[0], args.data());
        static constexpr char kFailed[] = "exec failed\n";
        [[maybe_unused]] ssize_t n = ::write(STDOUT_FILENO, kFailed, sizeof(kFailed) - 1);
        ::_exit(127);
      },
      timeout_seconds, max_bytes);
}

}  // namespace berth::validation
