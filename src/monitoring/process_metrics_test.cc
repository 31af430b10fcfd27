#include "monitoring/process_metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace berth::monitoring {
namespace {

TEST(ProcessMetricsTest, TheSampleIsPlausible) {
  absl::StatusOr<ProcessSample> s = ReadProcessSample();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_GT(s->resident_bytes, 1 << 20);  // a test binary holds more than a megabyte
  EXPECT_GE(s->open_fds, 3);              // at least stdin, stdout, stderr
  EXPECT_GE(s->max_fds, s->open_fds);
  EXPECT_GE(s->threads, 1);
  EXPECT_GE(s->cpu_seconds, 0);
  // Started after 2020 and not after now.
  EXPECT_GT(s->start_time_seconds, 1577836800);
  EXPECT_LE(s->start_time_seconds, static_cast<double>(std::time(nullptr)) + 1);
}

TEST(ProcessMetricsTest, OpenFdsFollowOpenFiles) {
  const double before = ReadProcessSample()->open_fds;
  const int fd = open("/proc/self/stat", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadProcessSample()->open_fds, before + 1);
  close(fd);
  EXPECT_EQ(ReadProcessSample()->open_fds, before);
}

TEST(ProcessMetricsTest, ParsesACommandWithSpacesAndParentheses) {
  // Fields 3..24 after the command; utime 150, stime 50 ticks, 7 threads, start 1000 ticks,
  // 300 resident pages.
  const std::string stat =
      "42 (a (strange) name) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 7 0 1000 "
      "123456 300 18446744073709551615";
  ProcessSample s;
  double start_ticks = 0;
  ASSERT_TRUE(ParseProcStat(stat, 100, 4096, &s, &start_ticks).ok());
  EXPECT_DOUBLE_EQ(s.cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(s.threads, 7);
  EXPECT_DOUBLE_EQ(start_ticks, 1000);
  EXPECT_DOUBLE_EQ(s.resident_bytes, 300 * 4096.0);
}

TEST(ProcessMetricsTest, RefusesAStatLineThatIsCutShort) {
  ProcessSample s;
  double start_ticks = 0;
  absl::Status st = ParseProcStat("42 (berth) S 1 42", 100, 4096, &s, &start_ticks);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("field 14"), std::string::npos) << st;
  EXPECT_FALSE(ParseProcStat("no command at all", 100, 4096, &s, &start_ticks).ok());
}

TEST(ProcessMetricsTest, TheCollectorAndBuildInfoRender) {
  Metrics metrics;
  auto process = std::make_shared<ProcessCollector>();
  metrics.AddCollectable(process);
  AddBuildInfo(metrics, "1.2.3");
  const std::string text = metrics.Render();
  for (const char* name :
       {"berth_process_cpu_seconds_total ", "berth_process_resident_memory_bytes ",
        "berth_process_open_fds ", "berth_process_max_fds ", "berth_process_threads ",
        "berth_process_start_time_seconds "}) {
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name << "\n" << text;
  }
  EXPECT_NE(text.find("berth_build_info{version=\"1.2.3\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace berth::monitoring
