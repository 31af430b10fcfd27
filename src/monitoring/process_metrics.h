// The process's own metrics, read from /proc/self when scraped: CPU seconds, resident
// memory, open and maximum file descriptors, threads and start time; and the build's
// version as berth_build_info.
//
//   auto process = std::make_shared<monitoring::ProcessCollector>();
//   metrics->AddCollectable(process);          // kept alive by the caller
//   monitoring::AddBuildInfo(*metrics, "0.4.0");
#ifndef BERTH_MONITORING_PROCESS_METRICS_H_
#define BERTH_MONITORING_PROCESS_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "monitoring/metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace berth::monitoring {

// What /proc says about this process at one moment.
struct ProcessSample {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;  // the soft RLIMIT_NOFILE
  double threads = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Reads the sample; an error naming the file when /proc cannot be read or parsed.
absl::StatusOr<ProcessSample> ReadProcessSample();

// Parses the text of /proc/<pid>/stat (whose second field, the command, may hold spaces and
// parentheses) into cpu_seconds, resident_bytes, threads and the start time in clock ticks
// after boot (`*start_ticks`). InvalidArgument when the text is not such a line.
absl::Status ParseProcStat(const std::string& stat, double ticks_per_second, double page_bytes,
                           ProcessSample* sample, double* start_ticks);

// The berth_process_* families, sampled at every Collect. A read that fails yields no families
// (the scrape still succeeds); thread-safe.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// Registers berth_build_info{version} = 1.
void AddBuildInfo(Metrics& metrics, const std::string& version);

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_PROCESS_METRICS_H_
