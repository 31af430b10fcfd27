#include "monitoring/logging.h"

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "monitoring/access_log.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "spdlog/sinks/ostream_sink.h"

namespace berth::monitoring {
namespace {

// Captures what the loggers write, set up as `berth serve` would but into a string.
class LoggingTest : public ::testing::Test {
 protected:
  void SetUp(LogOptions options) {
    out_.str("");
    SetUpLogging(options, std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
  }
  void SetUp() override { SetUp(LogOptions{}); }
  void TearDown() override { SetUp(LogOptions{LogFormat::kText, spdlog::level::off, false}); }

  std::vector<std::string> Lines() {
    std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n');
    EXPECT_EQ(lines.back(), "") << "the last line has no newline";
    lines.pop_back();
    return lines;
  }

  // The one line written, parsed; fails the test when it is not one JSON object.
  rapidjson::Document OnlyLine() {
    std::vector<std::string> lines = Lines();
    EXPECT_EQ(lines.size(), 1u) << out_.str();
    rapidjson::Document doc;
    if (lines.empty()) return doc;
    doc.Parse(lines[0].c_str(), lines[0].size());
    EXPECT_FALSE(doc.HasParseError())
        << rapidjson::GetParseError_En(doc.GetParseError()) << " in " << lines[0];
    EXPECT_TRUE(doc.IsObject()) << lines[0];
    out_.str("");
    return doc;
  }

  std::ostringstream out_;
};

bool IsRfc3339UtcMicros(const std::string& t) {
  // 2026-12-07T00:30:03.123456Z
  if (t.size() != 27) return false;
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  for (size_t i = 0; i < t.size(); ++i) {
    if (shape[i] == 'd' ? !isdigit(static_cast<unsigned char>(t[i])) : t[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

TEST_F(LoggingTest, APlainMessageHasTimeLevelAndMessage) {
  spdlog::info("berth {} serving", "1.0");
  rapidjson::Document line = OnlyLine();
  ASSERT_TRUE(line.IsObject());
  EXPECT_EQ(line.MemberCount(), 3u);
  ASSERT_TRUE(line["time"].IsString());
  EXPECT_TRUE(IsRfc3339UtcMicros(line["time"].GetString())) << line["time"].GetString();
  EXPECT_STREQ(line["level"].GetString(), "info");
  EXPECT_STREQ(line["message"].GetString(), "berth 1.0 serving");
}

TEST_F(LoggingTest, EveryLevelHasItsName) {
  SetUp(LogOptions{LogFormat::kJson, spdlog::level::trace, true});
  const std::vector<std::pair<spdlog::level::level_enum, std::string>> levels = {
      {spdlog::level::trace, "trace"}, {spdlog::level::debug, "debug"},
      {spdlog::level::info, "info"},   {spdlog::level::warn, "warn"},
      {spdlog::level::err, "error"},   {spdlog::level::critical, "critical"}};
  for (const auto& [level, name] : levels) {
    spdlog::log(level, "x");
    EXPECT_EQ(std::string(OnlyLine()["level"].GetString()), name);
  }
}

TEST_F(LoggingTest, NastyMessagesStayOneValidLineAndKeepTheirText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"say \"hi\"", "say \"hi\""},
      {"C:\\path\\", "C:\\path\\"},
      {"two\nlines\r\n", "two\nlines\r\n"},
      {std::string("nul\0byte", 8), std::string("nul\0byte", 8)},
      {"\x01\x1f\x7f\t\b\f", "\x01\x1f\x7f\t\b\f"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"bad \xff byte", "bad \xef\xbf\xbd byte"},          // not UTF-8
      {"cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd"},    // truncated sequence
      {"over \xc0\xaf", "over \xef\xbf\xbd\xef\xbf\xbd"},  // overlong '/'
      {"surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"}{\"level\":\"error\"", "}{\"level\":\"error\""},  // no injection
      {"", ""},
  };
  for (const auto& [message, expected] : cases) {
    spdlog::warn("{}", message);
    rapidjson::Document line = OnlyLine();
    ASSERT_TRUE(line.IsObject()) << message;
    EXPECT_EQ(line.MemberCount(), 3u) << message;
    EXPECT_STREQ(line["level"].GetString(), "warn");
    EXPECT_EQ(std::string(line["message"].GetString(), line["message"].GetStringLength()),
              expected);
  }
}

TEST_F(LoggingTest, FieldsFollowTheMessageWithTheirTypes) {
  Log(spdlog::level::warn, "version is not \"ready\"",
      LogFields()
          .Add("model", "m\n1")
          .Add("version", int64_t{3})
          .Add("alias", std::string("prod"))
          .Add("bad", "\xff"));
  rapidjson::Document line = OnlyLine();
  ASSERT_TRUE(line.IsObject());
  EXPECT_STREQ(line["level"].GetString(), "warn");
  EXPECT_STREQ(line["message"].GetString(), "version is not \"ready\"");
  EXPECT_STREQ(line["model"].GetString(), "m\n1");
  ASSERT_TRUE(line["version"].IsInt64());
  EXPECT_EQ(line["version"].GetInt64(), 3);
  EXPECT_STREQ(line["alias"].GetString(), "prod");
  EXPECT_STREQ(line["bad"].GetString(), "\xef\xbf\xbd");
  EXPECT_TRUE(IsRfc3339UtcMicros(line["time"].GetString()));
}

TEST_F(LoggingTest, AnAccessLineCarriesEveryField) {
  AccessRecord r;
  r.request_id = "req-1";
  r.protocol = "http";
  r.model = "simple";
  r.version = "2";
  r.status = "200";
  r.duration_us = 812;
  r.queue_us = 40;
  r.compute_us = 610;
  r.bytes_in = 602;
  r.bytes_out = 4123;
  r.peer = "127.0.0.1:50312";
  r.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  LogAccess(r);
  rapidjson::Document line = OnlyLine();
  ASSERT_TRUE(line.IsObject());
  EXPECT_STREQ(line["message"].GetString(), "access");
  EXPECT_STREQ(line["level"].GetString(), "info");
  for (const auto& [name, value] : std::vector<std::pair<const char*, const char*>>{
           {"request_id", "req-1"},
           {"protocol", "http"},
           {"model", "simple"},
           {"version", "2"},
           {"status", "200"},
           {"peer", "127.0.0.1:50312"},
           {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}) {
    ASSERT_TRUE(line.HasMember(name)) << name;
    EXPECT_STREQ(line[name].GetString(), value) << name;
  }
  for (const auto& [name, value] :
       std::vector<std::pair<const char*, int64_t>>{{"duration_us", 812},
                                                    {"queue_us", 40},
                                                    {"compute_us", 610},
                                                    {"bytes_in", 602},
                                                    {"bytes_out", 4123}}) {
    ASSERT_TRUE(line.HasMember(name) && line[name].IsInt64()) << name;
    EXPECT_EQ(line[name].GetInt64(), value) << name;
  }
}

TEST_F(LoggingTest, AnAccessLineLeavesOutWhatItDoesNotKnow) {
  AccessRecord r;
  r.request_id = "req-2";
  r.protocol = "grpc";
  r.model = "simple";
  r.status = "NOT_FOUND";
  LogAccess(r);
  rapidjson::Document line = OnlyLine();
  ASSERT_TRUE(line.IsObject());
  EXPECT_FALSE(line.HasMember("version"));
  EXPECT_FALSE(line.HasMember("traceparent"));
  EXPECT_STREQ(line["status"].GetString(), "NOT_FOUND");
}

TEST_F(LoggingTest, TheAccessLogCanBeTurnedOffAndFollowsTheLevel) {
  EXPECT_TRUE(AccessLogEnabled());
  SetUp(LogOptions{LogFormat::kJson, spdlog::level::info, false});
  EXPECT_FALSE(AccessLogEnabled());
  AccessRecord r;
  r.request_id = "x";
  LogAccess(r);
  SetUp(LogOptions{LogFormat::kJson, spdlog::level::warn, true});
  EXPECT_FALSE(AccessLogEnabled());
  LogAccess(r);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(LoggingTest, TheLevelDropsLowerMessages) {
  SetUp(LogOptions{LogFormat::kJson, spdlog::level::warn, true});
  spdlog::info("dropped");
  Log(spdlog::level::info, "dropped too", LogFields().Add("model", "m"));
  EXPECT_FALSE(ShouldLog(spdlog::level::info));
  EXPECT_TRUE(ShouldLog(spdlog::level::err));
  spdlog::error("kept");
  EXPECT_STREQ(OnlyLine()["message"].GetString(), "kept");
  SetUp(LogOptions{LogFormat::kJson, spdlog::level::off, true});
  spdlog::critical("not even this");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(LoggingTest, TextLinesAreReadableAndOneLineEach) {
  SetUp(LogOptions{LogFormat::kText, spdlog::level::info, true});
  spdlog::warn("two\nlines");
  Log(spdlog::level::info, "access",
      LogFields().Add("model", "simple").Add("note", "has space").Add("n", int64_t{5}));
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  ASSERT_GT(lines[0].size(), 28u);
  EXPECT_TRUE(IsRfc3339UtcMicros(lines[0].substr(0, 27))) << lines[0];
  EXPECT_EQ(lines[0].substr(27), " warn two\\nlines");
  EXPECT_EQ(lines[1].substr(27), " info access model=simple note=\"has space\" n=5");
}

TEST(LogSettingsTest, FormatsAndLevelsParseAndBadWordsAreNamed) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_NE(ParseLogFormat("xml").status().message().find("\"xml\""), absl::string_view::npos);
  EXPECT_EQ(*ParseLogLevel("trace"), spdlog::level::trace);
  EXPECT_EQ(*ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(*ParseLogLevel("error"), spdlog::level::err);
  EXPECT_EQ(*ParseLogLevel("off"), spdlog::level::off);
  EXPECT_FALSE(ParseLogLevel("WARN").ok());
  EXPECT_FALSE(ParseLogLevel("warning").ok());
}

TEST(LogSettingsTest, TheFlagWinsOverTheEnvironment) {
  EXPECT_EQ(*ResolveLogLevel("", nullptr), spdlog::level::info);
  EXPECT_EQ(*ResolveLogLevel("", "debug"), spdlog::level::debug);
  EXPECT_EQ(*ResolveLogLevel("error", "debug"), spdlog::level::err);
  EXPECT_EQ(*ResolveLogLevel("error", "nonsense"), spdlog::level::err);
  absl::Status env = ResolveLogLevel("", "loud").status();
  EXPECT_NE(env.message().find("BERTH_LOG_LEVEL"), absl::string_view::npos) << env;
  EXPECT_NE(env.message().find("loud"), absl::string_view::npos) << env;
  absl::Status flag = ResolveLogLevel("loud", nullptr).status();
  EXPECT_NE(flag.message().find("--log-level"), absl::string_view::npos) << flag;

  EXPECT_TRUE(*ResolveAccessLog(std::nullopt, nullptr));
  EXPECT_FALSE(*ResolveAccessLog(std::nullopt, "0"));
  EXPECT_TRUE(*ResolveAccessLog(std::nullopt, "1"));
  EXPECT_TRUE(*ResolveAccessLog(true, "0"));
  EXPECT_FALSE(*ResolveAccessLog(false, "1"));
  absl::Status bad = ResolveAccessLog(std::nullopt, "yes").status();
  EXPECT_NE(bad.message().find("BERTH_ACCESS_LOG"), absl::string_view::npos) << bad;
  EXPECT_NE(bad.message().find("yes"), absl::string_view::npos) << bad;
}

}  // namespace
}  // namespace berth::monitoring
