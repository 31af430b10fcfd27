#include "monitoring/buffered_fd_sink.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace berth::monitoring {

BufferedFdSink::BufferedFdSink(int fd, size_t max_pending_bytes,
                               std::chrono::microseconds min_interval)
    : fd_(fd), max_pending_(max_pending_bytes), min_interval_(min_interval) {
  writer_ = std::thread([this] { Run(); });
}

BufferedFdSink::~BufferedFdSink() { Stop(); }

void BufferedFdSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

uint64_t BufferedFdSink::dropped() {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

void BufferedFdSink::sink_it_(const spdlog::details::log_msg& msg) {
  line_.clear();
  formatter_->format(msg, line_);
  if (stopping_ || pending_.size() + line_.size() > max_pending_) {
    ++dropped_;
    return;
  }
  const bool was_empty = pending_.empty();
  pending_.append(line_.data(), line_.size());
  if (was_empty) wake_.notify_one();
}

std::string BufferedFdSink::DropReport() {
  if (dropped_ == reported_) return "";
  const std::string text =
      absl::StrCat(dropped_ - reported_, " log lines were dropped: the log buffer was full (",
                   max_pending_, " bytes waiting for stdout's reader)");
  reported_ = dropped_;
  spdlog::memory_buf_t line;
  formatter_->format(spdlog::details::log_msg(spdlog::source_loc{}, "berth", spdlog::level::warn,
                                              spdlog::string_view_t(text.data(), text.size())),
                     line);
  return std::string(line.data(), line.size());
}

void BufferedFdSink::Run() {
  std::string writing;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) return;  // stopping, and everything is written
    std::swap(pending_, writing);
    writing += DropReport();
    lock.unlock();
    WriteAll(writing);
    writing.clear();
    lock.lock();
    // Lines gather meanwhile; only Stop cuts the wait short.
    wake_.wait_for(lock, min_interval_, [this] { return stopping_; });
  }
}

void BufferedFdSink::WriteAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout closed or failing: nowhere left to say so
    done += static_cast<size_t>(n);
  }
}

}  // namespace berth::monitoring
