#include "monitoring/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "monitoring/samples.h"
#include "prometheus/gauge.h"

namespace berth::monitoring {
namespace {

// Fields of /proc/<pid>/stat counted from 1 (man 5 proc).
constexpr int kUtimeField = 14;
constexpr int kStimeField = 15;
constexpr int kThreadsField = 20;
constexpr int kStartTimeField = 22;
constexpr int kRssField = 24;

absl::StatusOr<std::string> ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The boot time (seconds since the epoch) from /proc/stat's "btime" line.
absl::StatusOr<double> BootTime() {
  ASSIGN_OR_RETURN(std::string stat, ReadSmallFile("/proc/stat"));
  for (absl::string_view line : absl::StrSplit(stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    double seconds = 0;
    if (absl::SimpleAtod(line, &seconds)) return seconds;
  }
  return absl::InvalidArgumentError("/proc/stat has no btime line");
}

absl::StatusOr<double> OpenFds() {
  std::error_code ec;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list /proc/self/fd: ", ec.message()));
  return count;
}

}  // namespace

absl::Status ParseProcStat(const std::string& stat, double ticks_per_second, double page_bytes,
                           ProcessSample* sample, double* start_ticks) {
  // The command is in parentheses and may contain anything; the fields after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return absl::InvalidArgumentError("/proc/self/stat has no ')' after the command");
  }
  std::vector<absl::string_view> rest =
      absl::StrSplit(absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  // rest[0] is field 3 (the state).
  auto field = [&](int n, double* value) -> absl::Status {
    const size_t index = static_cast<size_t>(n - 3);
    if (index >= rest.size() || !absl::SimpleAtod(absl::StripAsciiWhitespace(rest[index]), value)) {
      return absl::InvalidArgumentError(absl::StrCat("/proc/self/stat: field ", n,
                                                     " is missing "
                                                     "or not a number"));
    }
    return absl::OkStatus();
  };
  double utime = 0, stime = 0, rss_pages = 0;
  RETURN_IF_ERROR(field(kUtimeField, &utime));
  RETURN_IF_ERROR(field(kStimeField, &stime));
  RETURN_IF_ERROR(field(kThreadsField, &sample->threads));
  RETURN_IF_ERROR(field(kStartTimeField, start_ticks));
  RETURN_IF_ERROR(field(kRssField, &rss_pages));
  sample->cpu_seconds = (utime + stime) / ticks_per_second;
  sample->resident_bytes = rss_pages * page_bytes;
  return absl::OkStatus();
}

absl::StatusOr<ProcessSample> ReadProcessSample() {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ASSIGN_OR_RETURN(std::string stat, ReadSmallFile("/proc/self/stat"));
  ProcessSample sample;
  double start_ticks = 0;
  RETURN_IF_ERROR(ParseProcStat(stat, ticks, page, &sample, &start_ticks));
  ASSIGN_OR_RETURN(double boot, BootTime());
  sample.start_time_seconds = boot + start_ticks / ticks;
  ASSIGN_OR_RETURN(sample.open_fds, OpenFds());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    sample.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return sample;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  absl::StatusOr<ProcessSample> s = ReadProcessSample();
  if (!s.ok()) return {};
  using prometheus::MetricType;
  struct One {
    const char* name;
    const char* help;
    MetricType type;
    double value;
  };
  const One all[] = {
      {"berth_process_cpu_seconds_total", "User and system CPU time the process used",
       MetricType::Counter, s->cpu_seconds},
      {"berth_process_resident_memory_bytes", "Resident memory of the process", MetricType::Gauge,
       s->resident_bytes},
      {"berth_process_open_fds", "Open file descriptors", MetricType::Gauge, s->open_fds},
      {"berth_process_max_fds", "The limit on open file descriptors (soft RLIMIT_NOFILE)",
       MetricType::Gauge, s->max_fds},
      {"berth_process_threads", "Threads of the process", MetricType::Gauge, s->threads},
      {"berth_process_start_time_seconds", "When the process started, since the Unix epoch",
       MetricType::Gauge, s->start_time_seconds},
  };
  std::vector<prometheus::MetricFamily> families;
  for (const One& one : all) {
    families.push_back(SampledFamily(one.name, one.help, one.type));
    AddSample(families.back(), {}, one.value);
  }
  return families;
}

void AddBuildInfo(Metrics& metrics, const std::string& version) {
  prometheus::BuildGauge()
      .Name("berth_build_info")
      .Help("Always 1; the label tells the server's version")
      .Register(metrics.registry())
      .Add({{"version", version}})
      .Set(1);
}

}  // namespace berth::monitoring
