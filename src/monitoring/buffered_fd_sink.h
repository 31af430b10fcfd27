// Internal to the logs (logging.h): a spdlog sink whose lines a thread of its own writes to a
// file descriptor. The thread that logs only formats the line and appends it to a buffer
// (no system call); the writer writes what has gathered as soon as a line arrives in an
// empty buffer, then waits at least `min_interval` before its next write, so that an idle
// server's lines reach a pipe at once and a busy one's go out a batch at a time.
//
// Bounded: when `max_pending_bytes` are waiting (the reader of the pipe is slower than the
// server), further lines are dropped and counted, and the writer reports how many in a warn
// line of its own once it catches up.
#ifndef BERTH_MONITORING_BUFFERED_FD_SINK_H_
#define BERTH_MONITORING_BUFFERED_FD_SINK_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "spdlog/sinks/base_sink.h"

namespace berth::monitoring {

class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Writes to `fd` (not owned; it must stay open until Stop).
  BufferedFdSink(int fd, size_t max_pending_bytes, std::chrono::microseconds min_interval);
  // Stop().
  ~BufferedFdSink() override;

  // Writes what is pending, then ends the writer; lines logged afterwards are dropped.
  // Idempotent.
  void Stop();

  // Lines dropped so far because the buffer was full.
  uint64_t dropped();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}  // the writer flushes on its own

 private:
  void Run();
  // The warn line about lines dropped since the last report, or "" (mutex_ held).
  std::string DropReport();
  void WriteAll(const std::string& bytes);

  const int fd_;
  const size_t max_pending_;
  const std::chrono::microseconds min_interval_;
  std::condition_variable wake_;  // with base_sink's mutex_
  std::string pending_;           // guarded by mutex_
  spdlog::memory_buf_t line_;     // the line being formatted (reused); guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  uint64_t dropped_ = 0;          // guarded by mutex_
  uint64_t reported_ = 0;         // guarded by mutex_
  std::thread writer_;
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_BUFFERED_FD_SINK_H_
