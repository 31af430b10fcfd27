// The gate alone (gate.h): reports it reads, what it refuses and how it says so.
#include "registry/gate.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry/registry_test_util.h"

namespace berth::registry {
namespace {

using testing::ValidationReportJson;

Protection Guard(std::optional<double> min_accuracy, std::optional<double> max_p99_ms) {
  Protection p;
  p.model = "digits";
  p.alias = "production";
  p.min_accuracy = min_accuracy;
  p.max_p99_ms = max_p99_ms;
  return p;
}

VersionDocument Report(std::string body) {
  VersionDocument d;
  d.model = "digits";
  d.version = 3;
  d.kind = kValidationDocument;
  d.body = std::move(body);
  d.created_at = absl::FromUnixSeconds(1796616000);
  return d;
}

std::string Refusal(const Protection& p, const std::optional<VersionDocument>& report) {
  absl::Status status = CheckGate(p, 3, report);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  return std::string(status.message());
}

TEST(GateTest, APassingReportWithinTheFiguresPasses) {
  EXPECT_TRUE(CheckGate(Guard(0.9, 5), 3, Report(ValidationReportJson(true, 0.9, 5))).ok());
  EXPECT_TRUE(
      CheckGate(Guard(std::nullopt, std::nullopt), 3, Report(ValidationReportJson(true))).ok());
}

TEST(GateTest, RefusalsNameModelVersionAliasAndFigures) {
  const std::string none = Refusal(Guard(0.9, std::nullopt), std::nullopt);
  EXPECT_NE(none.find("version 3 of model 'digits' cannot go behind protected alias "
                      "'production' (validation, top-1 >= 0.9)"),
            std::string::npos)
      << none;
  EXPECT_NE(none.find("berth validate digits@3"), std::string::npos) << none;
  const std::string both =
      Refusal(Guard(0.99, 0.5), Report(ValidationReportJson(false, 0.98, 0.75)));
  EXPECT_NE(both.find("of 2026-12-07T"), std::string::npos) << both;
  EXPECT_NE(both.find("did not pass: failed accuracy"), std::string::npos) << both;
  EXPECT_NE(both.find("top-1 accuracy 0.98 is below the alias's minimum 0.99"), std::string::npos)
      << both;
  EXPECT_NE(both.find("p99 latency 0.75 ms is above the alias's budget of 0.5 ms"),
            std::string::npos)
      << both;
}

TEST(GateTest, UnreadableReportsAreRefusedNotTrusted) {
  EXPECT_NE(Refusal(Guard(std::nullopt, std::nullopt), Report("[]")).find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(Refusal(Guard(std::nullopt, std::nullopt), Report(R"({"passed": true})"))
                .find("has format '', not 'berth.validation/1'"),
            std::string::npos);
  EXPECT_NE(Refusal(Guard(std::nullopt, std::nullopt),
                    Report(R"({"format": "berth.validation/1", "passed": "yes"})"))
                .find("no 'passed'"),
            std::string::npos);
  // Figures of the wrong type count as missing.
  EXPECT_NE(
      Refusal(Guard(0.5, std::nullopt), Report(R"({"format": "berth.validation/1", "passed": true,)"
                                               R"( "accuracy": {"top1": "0.99"}})"))
          .find("no top-1 accuracy"),
      std::string::npos);
}

TEST(GateTest, ManyLongFailedChecksStayBounded) {
  std::string checks;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&checks, i ? "," : "", R"({"name": "edge_cases", "status": "failed",)",
                    R"( "message": ")", std::string(5000, 'x'), R"("})");
  }
  const std::string message = Refusal(
      Guard(std::nullopt, std::nullopt),
      Report(absl::StrCat(R"({"format": "berth.validation/1", "passed": false, "checks": [)",
                          checks, "]}")));
  EXPECT_LT(message.size(), 3000u);
  EXPECT_NE(message.find("..."), std::string::npos);
  // A message from the report never breaks the refusal's line.
  const std::string multiline = Refusal(
      Guard(std::nullopt, std::nullopt),
      Report(R"({"format": "berth.validation/1", "passed": false, "checks": [{"name": "load",)"
             R"( "status": "failed", "message": "line one\nline two\u001b[31m"}]})"));
  EXPECT_NE(multiline.find("load (line one line two [31m)"), std::string::npos) << multiline;
}

TEST(GateTest, ProtectionsAndOverridesAreValidated) {
  Protection p = Guard(0.9, 5);
  EXPECT_TRUE(ValidateProtection(p).ok());
  EXPECT_EQ(ProtectionText(p), "validation, top-1 >= 0.9, p99 <= 5 ms");
  p.require = "signoff";
  EXPECT_NE(ValidateProtection(p).message().find("unknown protection requirement 'signoff'"),
            std::string::npos);
  EXPECT_EQ(ValidateProtection(Guard(-0.1, std::nullopt)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateProtection(Guard(std::nullopt, -1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateOverride({}).ok());
  EXPECT_TRUE(ValidateOverride({true, "hotfix"}).ok());
  EXPECT_EQ(ValidateOverride({true, " \t"}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::registry
