#include "env_options.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

struct Flags {
  int port = 8000;
  bool metrics = true;
  std::vector<std::string> models;
  std::vector<std::string> urls;
  std::string level;
};

// An app shaped like `berth serve`: an int, a negatable bool, a list, and a skipped option.
class EnvOptionsTest : public ::testing::Test {
 protected:
  EnvOptionsTest() {
    app_.add_option("--http-port", flags_.port);
    app_.add_flag("--metrics,!--no-metrics", flags_.metrics);
    app_.add_option("--load-model", flags_.models);
    app_.add_option("--log-level", flags_.level);
    app_.add_option("--webhook-url", flags_.urls);
    AddEnvironmentNames(&app_, "BERTH_TEST_", {"log-level"}, {"webhook-url"});
  }
  ~EnvOptionsTest() override {
    for (const char* name : {"BERTH_TEST_HTTP_PORT", "BERTH_TEST_METRICS", "BERTH_TEST_LOAD_MODEL",
                             "BERTH_TEST_LOG_LEVEL", "BERTH_TEST_WEBHOOK_URL"}) {
      unsetenv(name);
    }
  }
  void Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "test");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    app_.parse(static_cast<int>(argv.size()), argv.data());
  }

  CLI::App app_;
  Flags flags_;
};

TEST(EnvironmentNameTest, UpperCasesAndReplacesDashes) {
  EXPECT_EQ(EnvironmentName("BERTH_", "http-port"), "BERTH_HTTP_PORT");
  EXPECT_EQ(EnvironmentName("BERTH_", "metrics"), "BERTH_METRICS");
}

TEST_F(EnvOptionsTest, ReadsIntBoolAndList) {
  setenv("BERTH_TEST_HTTP_PORT", "9100", 1);
  setenv("BERTH_TEST_METRICS", "false", 1);
  setenv("BERTH_TEST_LOAD_MODEL", "mlp,digits", 1);
  Parse({});
  EXPECT_EQ(flags_.port, 9100);
  EXPECT_FALSE(flags_.metrics);
  EXPECT_EQ(flags_.models, (std::vector<std::string>{"mlp", "digits"}));
}

TEST_F(EnvOptionsTest, CommandLineWins) {
  setenv("BERTH_TEST_HTTP_PORT", "9100", 1);
  setenv("BERTH_TEST_METRICS", "0", 1);
  setenv("BERTH_TEST_LOAD_MODEL", "mlp,digits", 1);
  Parse({"--http-port", "9200", "--metrics", "--load-model", "resnet"});
  EXPECT_EQ(flags_.port, 9200);
  EXPECT_TRUE(flags_.metrics);
  EXPECT_EQ(flags_.models, (std::vector<std::string>{"resnet"}));
}

TEST_F(EnvOptionsTest, UnsetEmptyAndSkippedLeaveDefaults) {
  setenv("BERTH_TEST_HTTP_PORT", "", 1);
  setenv("BERTH_TEST_LOG_LEVEL", "debug", 1);
  Parse({});
  EXPECT_EQ(flags_.port, 8000);
  EXPECT_TRUE(flags_.metrics);
  EXPECT_TRUE(flags_.models.empty());
  EXPECT_EQ(flags_.level, "");
}

TEST_F(EnvOptionsTest, WholeListValuesKeepTheirCommas) {
  setenv("BERTH_TEST_WEBHOOK_URL", "https://hooks.example/a?x=1,2", 1);
  Parse({});
  EXPECT_EQ(flags_.urls, (std::vector<std::string>{"https://hooks.example/a?x=1,2"}));
}

TEST_F(EnvOptionsTest, WholeListValuesStayWholeOnTheCommandLine) {
  Parse({"--webhook-url", "https://a.example/h?x=1,2", "--webhook-url", "https://b.example/h"});
  EXPECT_EQ(flags_.urls,
            (std::vector<std::string>{"https://a.example/h?x=1,2", "https://b.example/h"}));
}

TEST_F(EnvOptionsTest, BadValueIsAParseError) {
  setenv("BERTH_TEST_HTTP_PORT", "eighty", 1);
  EXPECT_THROW(Parse({}), CLI::ParseError);
}

}  // namespace
}  // namespace berth::cli
