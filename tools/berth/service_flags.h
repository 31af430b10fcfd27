// The flags `serve` and `lambda` share (both run serving::InferenceService): request limits,
// how models run, and the log format and level.
#ifndef BERTH_TOOLS_BERTH_SERVICE_FLAGS_H_
#define BERTH_TOOLS_BERTH_SERVICE_FLAGS_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "monitoring/logging.h"

namespace berth::cli {

// --max-json-depth and --max-input-elements.
void AddRequestLimitFlags(CLI::App* cmd, int* max_json_depth, int64_t* max_input_elements);

// --intra-op-threads and --inline-run-max-us.
void AddModelRunFlags(CLI::App* cmd, int* intra_op_threads, int64_t* inline_run_max_us);

// --log-format and --log-level.
void AddLogFlags(CLI::App* cmd, std::string* format, std::string* level);

// The log options those two flags say ($BERTH_LOG_LEVEL when the level is empty); the caller
// sets the access log and buffer. InvalidArgument naming a word that is not one.
absl::StatusOr<monitoring::LogOptions> LogOptionsFrom(const std::string& format,
                                                      const std::string& level);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_SERVICE_FLAGS_H_
