// The server's logs: one line per message on stdout, flushed line by line, as JSON objects
// (the default; for log collectors) or as text (for a terminal). `berth serve` calls
// SetUpLogging once, before it starts any thread; from then on every spdlog call
// (spdlog::info("...")) comes out in that form:
//
//   {"time":"2026-12-07T00:30:03.123456Z","level":"info","message":"stopped"}
//
// `time` is RFC 3339 UTC with microseconds; `level` one of trace, debug, info, warn, error,
// critical. The message is escaped (quotes, backslashes, control characters; bytes that are
// not UTF-8 become U+FFFD), so every line parses whatever the message holds.
//
// A message with structured fields goes through Log:
//
//   monitoring::Log(spdlog::level::warn, "version is not ready",
//                   monitoring::LogFields().Add("model", name).Add("version", int64_t{3}));
//   {"time":"...","level":"warn","message":"version is not ready","model":"m","version":3}
//
// and in text: `2026-12-07T00:30:03.123456Z warn version is not ready model=m version=3`.
// Field names are chosen by the code (never by a request) and must not be time, level or
// message. Never log tensor data, request bodies, tokens or Authorization headers.
//
// Thread safety: SetUpLogging before other threads run (it replaces the loggers); everything
// else from any thread.
#ifndef BERTH_MONITORING_LOGGING_H_
#define BERTH_MONITORING_LOGGING_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spdlog/formatter.h"
#include "spdlog/sinks/sink.h"
#include "spdlog/spdlog.h"

namespace berth::monitoring {

enum class LogFormat { kJson, kText };

struct LogOptions {
  LogFormat format = LogFormat::kJson;
  spdlog::level::level_enum level = spdlog::level::info;
  // One line per answered inference request (access_log.h), at level info.
  bool access_log = true;
  // > 0: the thread that logs only appends its line to a buffer of at most this many bytes;
  // a thread of its own writes the buffer to stdout as soon as a line arrives in an empty
  // buffer, and then at most every 10 ms, so lines are late by at most that (plus the
  // write) under load. A full buffer (stdout's reader too slow) drops new lines, and the
  // writer then logs how many. 0: each line is written and flushed by the thread that logs
  // it. Only for stdout (SetUpLogging's sink null).
  size_t buffer_bytes = size_t{4} << 20;
};

// "json" or "text"; InvalidArgument naming the word otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view word);
// trace, debug, info, warn, error or off; InvalidArgument naming the word otherwise.
absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(absl::string_view word);

// The level: `flag` when given (not empty), else `env` (BERTH_LOG_LEVEL's value; null when
// unset), else info. A bad word is an error naming it and where it came from.
absl::StatusOr<spdlog::level::level_enum> ResolveLogLevel(absl::string_view flag, const char* env);
// Whether to write the access log: `flag` when given, else `env` (BERTH_ACCESS_LOG: "0" or
// "1"; null when unset), else true. Any other value of `env` is an error naming it.
absl::StatusOr<bool> ResolveAccessLog(std::optional<bool> flag, const char* env);

// Makes every logger write to `sink` (null: stdout, see buffer_bytes) in `format`, at
// `level`, and turns the access log on or off. Before it runs, Log writes text through
// spdlog's default logger and the access log is off.
void SetUpLogging(const LogOptions& options, spdlog::sink_ptr sink = nullptr);

// Writes what is still buffered and goes on synchronously (same format, level and access log);
// call once no other thread logs any more (the end of `berth serve`).
void StopLogging();

// The formatters SetUpLogging installs (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

// Fields of one message, rendered as they are added in the format of the moment.
class LogFields {
 public:
  LogFields();
  LogFields& Add(absl::string_view name, absl::string_view value);
  LogFields& Add(absl::string_view name, const char* value) {
    return Add(name, absl::string_view(value));
  }
  LogFields& Add(absl::string_view name, int64_t value);

  // The fields as they follow the message: `,"name":value...` in JSON, ` name=value...` in
  // text.
  const std::string& rendered() const { return rendered_; }
  LogFormat format() const { return format_; }

 private:
  LogFormat format_;
  std::string rendered_;
};

// Whether a message at `level` would be written.
bool ShouldLog(spdlog::level::level_enum level);

// Writes `message` with `fields` at `level` (nothing if the level is off).
void Log(spdlog::level::level_enum level, absl::string_view message, const LogFields& fields);

// Whether the access log is on (SetUpLogging) and info messages are written.
bool AccessLogEnabled();

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_LOGGING_H_
