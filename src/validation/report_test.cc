#include "validation/report.h"

#include "gtest/gtest.h"

namespace berth::validation {
namespace {

ValidationReport Sample() {
  ValidationReport r;
  r.model = {"digits@3", "digits", 3, std::string(64, 'a')};
  r.against = ModelIdentity{"old.onnx", std::nullopt, std::nullopt, std::string(64, 'b')};
  r.passed = false;
  r.created_at = absl::FromUnixSeconds(1796616000);
  r.options = {1, 2, 0.9, std::nullopt, 0.99, std::nullopt};
  r.checks = {{"load", CheckStatus::kPassed, "loaded", {{"load_ms", 1.5}}},
              {"accuracy", CheckStatus::kFailed, "top-1 0.1 is below 0.9", {{"top1", 0.1}}},
              {"latency", CheckStatus::kSkipped, "no budget", {}}};
  r.accuracy = AccuracyFigures{"classification", 359, 0.1, 0.5, 0, 0};
  r.latency = LatencyFigures{1, 2, 0.25, 0.5, 4000};
  return r;
}

TEST(ReportTest, RoundTripsThroughJson) {
  const ValidationReport r = Sample();
  const std::string json = ReportToJson(r);
  EXPECT_NE(json.find("\"format\":\"berth.validation/1\""), std::string::npos);
  EXPECT_NE(json.find("\"name\":null"), std::string::npos);  // the file has no name
  EXPECT_NE(json.find("\"max_p99_ms\":null"), std::string::npos);
  EXPECT_NE(json.find("\"created_at\":\"2026-12-07T"), std::string::npos);
  absl::StatusOr<ValidationReport> back = ParseReportJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->model.ref, "digits@3");
  EXPECT_EQ(back->model.name, "digits");
  EXPECT_EQ(back->model.version, 3);
  ASSERT_TRUE(back->against.has_value());
  EXPECT_FALSE(back->against->name.has_value());
  EXPECT_FALSE(back->passed);
  EXPECT_EQ(back->created_at, r.created_at);
  EXPECT_EQ(back->options.threads, 2);
  EXPECT_EQ(back->options.min_accuracy, 0.9);
  EXPECT_FALSE(back->options.max_p99_ms.has_value());
  EXPECT_EQ(back->options.min_agreement, 0.99);
  EXPECT_FALSE(back->options.max_abs_diff.has_value());
  ASSERT_EQ(back->checks.size(), 3u);
  EXPECT_EQ(back->checks[1].status, CheckStatus::kFailed);
  EXPECT_EQ(back->checks[1].message, "top-1 0.1 is below 0.9");
  EXPECT_EQ(back->checks[0].figures[0].second, 1.5);
  ASSERT_TRUE(back->accuracy.has_value());
  EXPECT_EQ(back->accuracy->rows, 359);
  EXPECT_EQ(back->accuracy->top5, 0.5);
  ASSERT_TRUE(back->latency.has_value());
  EXPECT_EQ(back->latency->p99_ms, 0.5);
  EXPECT_EQ(ReportToJson(*back), json);
}

TEST(ReportTest, AReportWrittenBeforeTheAgreementThresholdsStillReads) {
  std::string json = ReportToJson(Sample());
  const std::string added = R"(,"min_agreement":0.99,"max_abs_diff":null)";
  const size_t at = json.find(added);
  ASSERT_NE(at, std::string::npos) << json;
  json.erase(at, added.size());
  absl::StatusOr<ValidationReport> back = ParseReportJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->options.min_agreement.has_value());
  EXPECT_EQ(back->options.min_accuracy, 0.9);
}

TEST(ReportTest, RegressionAndNullSectionsRoundTrip) {
  ValidationReport r = Sample();
  r.against.reset();
  r.accuracy = AccuracyFigures{"regression", 100, 0, std::nullopt, 0.1, 0.2};
  r.latency.reset();
  absl::StatusOr<ValidationReport> back = ParseReportJson(ReportToJson(r, 2));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->against.has_value());
  EXPECT_EQ(back->accuracy->task, "regression");
  EXPECT_EQ(back->accuracy->rmse, 0.2);
  EXPECT_FALSE(back->latency.has_value());
}

TEST(ReportTest, RefusesBadDocumentsNamingWhatIsWrong) {
  std::string json = ReportToJson(Sample());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = json;
    s.replace(s.find(from), from.size(), to);
    return ParseReportJson(s).status();
  };
  EXPECT_NE(ParseReportJson("{").status().message().find("not JSON"), std::string::npos);
  EXPECT_NE(replaced("berth.validation/1", "berth.validation/9").message().find("'format'"),
            std::string::npos);
  EXPECT_NE(replaced("\"name\":\"accuracy\"", "\"name\":\"vibes\"").message().find("vibes"),
            std::string::npos);
  EXPECT_NE(replaced("\"status\":\"failed\"", "\"status\":\"meh\"").message().find("meh"),
            std::string::npos);
  EXPECT_NE(replaced("\"passed\":false", "\"passed\":0").message().find("passed"),
            std::string::npos);
  EXPECT_NE(
      replaced("\"task\":\"classification\"", "\"task\":\"ranking\"").message().find("ranking"),
      std::string::npos);
  EXPECT_FALSE(ParseReportJson(std::string(kMaxReportJsonBytes + 1, ' ')).ok());
}

TEST(ReportTest, AllChecksPassedIgnoresSkipped) {
  EXPECT_TRUE(AllChecksPassed(
      {{"load", CheckStatus::kPassed, "", {}}, {"latency", CheckStatus::kSkipped, "", {}}}));
  EXPECT_FALSE(AllChecksPassed({{"load", CheckStatus::kFailed, "", {}}}));
}

}  // namespace
}  // namespace berth::validation
