#include "monitoring/logging.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "fmt/format.h"
#include "monitoring/buffered_fd_sink.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace berth::monitoring {
namespace {

std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// `s` as a JSON string appended to `*out` (common/json_writer.h).
void Quote(absl::string_view s, std::string* out) { AppendJsonQuoted(Std(s), out); }

std::string Quoted(absl::string_view s) { return JsonQuote(Std(s)); }

// The logger of messages with fields: its payload is already rendered (the JSON members
// after "level", or the text after the level), so the formatter copies it as it is.
constexpr char kFieldsLoggerName[] = "berth.fields";

// The writer thread's pause between writes: lines reach stdout at most this late under load.
constexpr std::chrono::milliseconds kMinWriteInterval{10};

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<bool> g_access_log{false};
std::atomic<spdlog::logger*> g_fields_logger{nullptr};

// The sink whose thread writes stdout's lines (none: each thread writes its own).
std::shared_ptr<BufferedFdSink> g_writer;  // guarded by g_loggers_mu

// Every logger ever installed stays alive: a thread may still hold the previous one
// when SetUpLogging runs again (tests do; the server sets up once).
std::mutex g_loggers_mu;
std::vector<std::shared_ptr<spdlog::logger>> g_loggers;  // guarded by g_loggers_mu

absl::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// "2026-12-07T00:30:03.123456Z", the seconds part formatted once per second.
class TimeText {
 public:
  void Append(spdlog::log_clock::time_point t, std::string* out) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    if (seconds != cached_) {
      const time_t tt = static_cast<time_t>(seconds.time_since_epoch().count());
      struct tm parts;
      gmtime_r(&tt, &parts);
      char text[32];
      const size_t n = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
      text_.assign(text, n);
      cached_ = seconds;
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - seconds).count();
    out->append(text_);
    fmt::format_to(std::back_inserter(*out), ".{:06d}Z", micros);
  }

 private:
  std::chrono::time_point<spdlog::log_clock, std::chrono::seconds> cached_{
      std::chrono::seconds{-1}};
  std::string text_;
};

absl::string_view Payload(const spdlog::details::log_msg& msg) {
  return absl::string_view(msg.payload.data(), msg.payload.size());
}

bool HasFields(const spdlog::details::log_msg& msg) {
  return absl::string_view(msg.logger_name.data(), msg.logger_name.size()) == kFieldsLoggerName;
}

void AppendTo(const std::string& line, spdlog::memory_buf_t& dest) {
  dest.append(line.data(), line.data() + line.size());
}

// {"time":"...","level":"...","message":"..."[,fields]}
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    line_.clear();
    line_ += "{\"time\":\"";
    time_.Append(msg.time, &line_);
    line_ += "\",\"level\":\"";
    line_.append(LevelName(msg.level).data(), LevelName(msg.level).size());
    line_ += "\",";
    if (HasFields(msg)) {
      const absl::string_view payload = Payload(msg);
      line_.append(payload.data(), payload.size());
    } else {
      line_ += "\"message\":";
      Quote(Payload(msg), &line_);
    }
    line_ += "}\n";
    AppendTo(line_, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  TimeText time_;
  std::string line_;  // reused; a sink formats under its own mutex
};

// TIME LEVEL message[ name=value...]
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    line_.clear();
    time_.Append(msg.time, &line_);
    line_ += ' ';
    line_.append(LevelName(msg.level).data(), LevelName(msg.level).size());
    line_ += ' ';
    // One message, one line, whatever it holds.
    for (char c : Payload(msg)) {
      if (c == '\n') {
        line_ += "\\n";
      } else if (c == '\r') {
        line_ += "\\r";
      } else {
        line_.push_back(c);
      }
    }
    line_ += "\n";
    AppendTo(line_, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  TimeText time_;
  std::string line_;
};

// A text value: as it is when it is a plain word, else JSON-quoted.
void AppendTextValue(absl::string_view value, std::string* out) {
  bool plain = !value.empty();
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"' || c == '=' || c == '\\') plain = false;
  }
  if (plain) {
    out->append(value.data(), value.size());
  } else {
    Quote(value, out);
  }
}

void AppendName(LogFormat format, absl::string_view name, std::string* out) {
  if (format == LogFormat::kJson) {
    out->push_back(',');
    Quote(name, out);
    out->push_back(':');
  } else {
    out->push_back(' ');
    out->append(name.data(), name.size());
    out->push_back('=');
  }
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view word) {
  if (word == "json") return LogFormat::kJson;
  if (word == "text") return LogFormat::kText;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format ", Quoted(word), ": expected json or text"));
}

absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(absl::string_view word) {
  static constexpr std::pair<absl::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off}};
  for (const auto& [name, level] : kLevels) {
    if (word == name) return level;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown log level ", Quoted(word), ": expected trace, debug, info, warn, error or off"));
}

absl::StatusOr<spdlog::level::level_enum> ResolveLogLevel(absl::string_view flag, const char* env) {
  if (!flag.empty()) {
    absl::StatusOr<spdlog::level::level_enum> level = ParseLogLevel(flag);
    if (!level.ok())
      return absl::InvalidArgumentError(absl::StrCat("--log-level: ", level.status().message()));
    return level;
  }
  if (env == nullptr) return spdlog::level::info;
  absl::StatusOr<spdlog::level::level_enum> level = ParseLogLevel(env);
  if (!level.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("BERTH_LOG_LEVEL: ", level.status().message()));
  }
  return level;
}

absl::StatusOr<bool> ResolveAccessLog(std::optional<bool> flag, const char* env) {
  if (flag) return *flag;
  if (env == nullptr) return true;
  const absl::string_view value(env);
  if (value == "1") return true;
  if (value == "0") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("BERTH_ACCESS_LOG is ", Quoted(value), ": expected 0 or 1"));
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  if (format == LogFormat::kJson) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

void SetUpLogging(const LogOptions& options, spdlog::sink_ptr sink) {
  std::shared_ptr<BufferedFdSink> writer;
  if (!sink && options.buffer_bytes > 0) {
    writer =
        std::make_shared<BufferedFdSink>(STDOUT_FILENO, options.buffer_bytes, kMinWriteInterval);
    sink = writer;
  } else if (!sink) {
    // Writes each line with fwrite and fflush at once, on the thread that logs it.
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  }
  sink->set_formatter(MakeLogFormatter(options.format));
  auto plain = std::make_shared<spdlog::logger>("berth", sink);
  auto fields = std::make_shared<spdlog::logger>(kFieldsLoggerName, sink);
  for (spdlog::logger* logger : {plain.get(), fields.get()}) {
    logger->set_level(options.level);
    // The writer thread flushes on its own; otherwise flushed after every line.
    logger->flush_on(writer ? spdlog::level::off : spdlog::level::trace);
  }
  {
    std::lock_guard<std::mutex> lock(g_loggers_mu);
    g_loggers.push_back(fields);
    g_loggers.push_back(plain);
  }
  g_format.store(options.format);
  g_fields_logger.store(fields.get());
  g_access_log.store(options.access_log);
  spdlog::set_default_logger(std::move(plain));
  std::shared_ptr<BufferedFdSink> previous;
  {
    std::lock_guard<std::mutex> lock(g_loggers_mu);
    previous = std::exchange(g_writer, std::move(writer));
  }
  // The previous writer writes what is still pending, then ends.
  if (previous) previous->Stop();
}

void StopLogging() {
  LogOptions now;
  now.format = g_format.load();
  now.level = spdlog::default_logger_raw()->level();
  now.access_log = g_access_log.load();
  now.buffer_bytes = 0;
  SetUpLogging(now);
}

LogFields::LogFields() : format_(g_format.load(std::memory_order_relaxed)) {
  rendered_.reserve(320);  // an access line's fields, without growing on the way
}

LogFields& LogFields::Add(absl::string_view name, absl::string_view value) {
  AppendName(format_, name, &rendered_);
  if (format_ == LogFormat::kJson) {
    Quote(value, &rendered_);
  } else {
    AppendTextValue(value, &rendered_);
  }
  return *this;
}

LogFields& LogFields::Add(absl::string_view name, int64_t value) {
  AppendName(format_, name, &rendered_);
  absl::StrAppend(&rendered_, value);
  return *this;
}

bool ShouldLog(spdlog::level::level_enum level) {
  spdlog::logger* fields = g_fields_logger.load(std::memory_order_acquire);
  return fields ? fields->should_log(level) : spdlog::default_logger_raw()->should_log(level);
}

void Log(spdlog::level::level_enum level, absl::string_view message, const LogFields& fields) {
  spdlog::logger* logger = g_fields_logger.load(std::memory_order_acquire);
  const bool json = logger && fields.format() == LogFormat::kJson &&
                    g_format.load(std::memory_order_relaxed) == LogFormat::kJson;
  if (!json) {
    // Text, or fields rendered for another format than the one now set up: one plain
    // message (the JSON formatter escapes it).
    spdlog::logger* plain = spdlog::default_logger_raw();
    if (!plain->should_log(level)) return;
    std::string text(message.data(), message.size());
    text += fields.rendered();
    plain->log(level, spdlog::string_view_t(text.data(), text.size()));
    return;
  }
  if (!logger->should_log(level)) return;
  std::string payload;
  payload.reserve(message.size() + fields.rendered().size() + 16);
  payload = "\"message\":";
  Quote(message, &payload);
  payload += fields.rendered();
  logger->log(level, spdlog::string_view_t(payload.data(), payload.size()));
}

bool AccessLogEnabled() {
  return g_access_log.load(std::memory_order_relaxed) && ShouldLog(spdlog::level::info);
}

}  // namespace berth::monitoring
