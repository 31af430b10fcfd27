#include "service_flags.h"

#include <cstdlib>

#include "common/status_macros.h"

namespace berth::cli {

void AddRequestLimitFlags(CLI::App* cmd, int* max_json_depth, int64_t* max_input_elements) {
  cmd->add_option("--max-json-depth", *max_json_depth, "deepest JSON nesting of a request")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max-input-elements", *max_input_elements,
                  "most elements one input tensor may have")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void AddModelRunFlags(CLI::App* cmd, int* intra_op_threads, int64_t* inline_run_max_us) {
  cmd->add_option("--intra-op-threads", *intra_op_threads,
                  "threads inside one model run unless its config says (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--inline-run-max-us", *inline_run_max_us,
                  "an idle, unbatched version whose runs take at most this many microseconds "
                  "runs a request on the thread that received it (0: never)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
}

void AddLogFlags(CLI::App* cmd, std::string* format, std::string* level) {
  cmd->add_option("--log-format", *format,
                  "json (one object per line, for log collectors) or text (for a terminal)")
      ->capture_default_str();
  cmd->add_option("--log-level", *level,
                  "trace, debug, info, warn, error or off (default: $BERTH_LOG_LEVEL, else info)");
}

absl::StatusOr<monitoring::LogOptions> LogOptionsFrom(const std::string& format,
                                                      const std::string& level) {
  monitoring::LogOptions logs;
  ASSIGN_OR_RETURN(logs.format, monitoring::ParseLogFormat(format));
  ASSIGN_OR_RETURN(logs.level, monitoring::ResolveLogLevel(level, std::getenv("BERTH_LOG_LEVEL")));
  return logs;
}

}  // namespace berth::cli
