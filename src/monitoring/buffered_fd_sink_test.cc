#include "monitoring/buffered_fd_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "monitoring/logging.h"
#include "spdlog/logger.h"

namespace berth::monitoring {
namespace {

constexpr std::chrono::milliseconds kInterval{10};

class BufferedFdSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe(fds_), 0); }
  void TearDown() override {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }

  std::shared_ptr<BufferedFdSink> MakeSink(size_t max_pending) {
    auto sink = std::make_shared<BufferedFdSink>(fds_[1], max_pending, kInterval);
    sink->set_formatter(MakeLogFormatter(LogFormat::kJson));
    return sink;
  }

  // Reads from the pipe until `want` newlines have come (or the writer's end closes).
  std::string ReadLines(int want) {
    std::string got;
    char buf[65536];
    while (std::count(got.begin(), got.end(), '\n') < want) {
      const ssize_t n = ::read(fds_[0], buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  int fds_[2] = {-1, -1};
};

TEST_F(BufferedFdSinkTest, ALineReachesTheReaderWithoutAFlush) {
  auto sink = MakeSink(1 << 20);
  spdlog::logger logger("berth", sink);
  logger.info("first");
  // No flush and no Stop: the writer sends the line on its own (read blocks until it does).
  EXPECT_TRUE(absl::StrContains(ReadLines(1), "\"message\":\"first\""));
  logger.info("second");
  EXPECT_TRUE(absl::StrContains(ReadLines(1), "\"message\":\"second\""));
  sink->Stop();
}

TEST_F(BufferedFdSinkTest, StopWritesEverythingPendingInOrder) {
  auto sink = MakeSink(1 << 20);
  spdlog::logger logger("berth", sink);
  for (int i = 0; i < 1000; ++i) logger.info("line {}", i);
  // More than a pipe holds: read while Stop waits for the writer.
  std::string got;
  std::thread reader([&] { got = ReadLines(1001); });
  sink->Stop();
  ::close(fds_[1]);
  fds_[1] = -1;
  reader.join();
  std::vector<std::string> lines = absl::StrSplit(got, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(absl::StrContains(lines[i], "\"message\":\"line " + std::to_string(i) + "\""))
        << lines[i];
  }
  EXPECT_EQ(sink->dropped(), 0u);
}

TEST_F(BufferedFdSinkTest, AFullBufferDropsLinesAndSaysHowMany) {
  // Nobody reads: the pipe fills, the writer blocks in write, the buffer fills behind it.
  ASSERT_EQ(::fcntl(fds_[1], F_SETPIPE_SZ, 4096) >= 0, true);
  auto sink = MakeSink(4096);
  spdlog::logger logger("berth", sink);
  const std::string filler(200, 'x');
  for (int i = 0; i < 500; ++i) logger.info("{} {}", i, filler);
  const uint64_t dropped = sink->dropped();
  EXPECT_GT(dropped, 0u);
  // Reading lets the writer finish; it reports the drops as it catches up (possibly in
  // several lines, when more were dropped while it wrote), then Stop ends it.
  std::thread stopper([&] {
    sink->Stop();
    ::close(fds_[1]);
    fds_[1] = -1;
  });
  const std::string got = ReadLines(1 << 30);  // to the end
  stopper.join();
  uint64_t reported = 0;
  for (absl::string_view line : absl::StrSplit(got, '\n', absl::SkipEmpty())) {
    const absl::string_view report = " log lines were dropped";
    const size_t at = line.find(report);
    if (at == absl::string_view::npos) continue;
    EXPECT_TRUE(absl::StrContains(line, "\"level\":\"warn\"")) << line;
    const size_t start = line.rfind('"', at) + 1;
    uint64_t n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(line.substr(start, at - start), &n)) << line;
    reported += n;
  }
  EXPECT_EQ(reported, sink->dropped());
}

TEST_F(BufferedFdSinkTest, LinesAfterStopAreDroppedNotWritten) {
  auto sink = MakeSink(1 << 20);
  spdlog::logger logger("berth", sink);
  sink->Stop();
  logger.info("late");
  EXPECT_EQ(sink->dropped(), 1u);
}

}  // namespace
}  // namespace berth::monitoring
