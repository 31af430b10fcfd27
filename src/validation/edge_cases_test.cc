#include "validation/edge_cases.h"

#include <signal.h>
#include <unistd.h>

#include <cmath>

#include "gtest/gtest.h"
#include "validation/child_process.h"
#include "validation/edge_case_check.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Dim;
using engine::ValueInfo;

const std::vector<ValueInfo> kImage = {
    ValueInfo{"image", DataType::kFloat, true, {Dim{-1, "N"}, Dim{1, ""}, Dim{8, ""}, Dim{8, ""}}}};

TEST(EdgeCasesTest, MakesEveryCaseFromTheSignature) {
  absl::StatusOr<std::vector<EdgeCase>> cases = MakeEdgeCases(kImage, 64, 7);
  ASSERT_TRUE(cases.ok()) << cases.status();
  std::vector<std::string> names;
  for (const EdgeCase& c : *cases) names.push_back(c.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"zeros", "ones", "huge", "tiny", "nan", "inf", "random",
                                      "batch_smallest (1 rows)", "batch_largest (64 rows)"}));
  EXPECT_EQ((*cases)[0].inputs[0].shape(), (engine::Shape{1, 1, 8, 8}));
  EXPECT_EQ((*cases)[2].inputs[0].data<float>()[0], 1e30f);
  EXPECT_TRUE(std::isnan((*cases)[4].inputs[0].data<float>()[5]));
  EXPECT_FALSE((*cases)[4].finite);
  EXPECT_FALSE((*cases)[4].must_run);
  EXPECT_TRUE((*cases)[6].must_run);
  EXPECT_EQ((*cases)[8].inputs[0].dim(0), 64);
}

TEST(EdgeCasesTest, IntegerInputsGetNoFloatOnlyCasesAndAFixedBatchIsKept) {
  std::vector<ValueInfo> ids = {
      ValueInfo{"ids", DataType::kInt64, true, {Dim{2, ""}, Dim{-1, "S"}}}};
  absl::StatusOr<std::vector<EdgeCase>> cases = MakeEdgeCases(ids, 64, 7);
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 6u);  // zeros ones huge random smallest largest
  EXPECT_EQ((*cases)[5].name, "batch_largest (2 rows)");
  EXPECT_EQ((*cases)[5].inputs[0].shape(), (engine::Shape{2, kFreeDimSize}));
  for (int64_t v : (*cases)[3].inputs[0].span<int64_t>()) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 10);
  }
}

TEST(EdgeCasesTest, RefusesInputsItCannotMake) {
  std::vector<ValueInfo> text = {ValueInfo{"text", DataType::kString, true, {Dim{-1, "N"}}}};
  EXPECT_NE(MakeEdgeCases(text, 4, 1).status().message().find("input 'text' is string"),
            std::string::npos);
  std::vector<ValueInfo> unranked = {ValueInfo{"x", DataType::kFloat, false, {}}};
  EXPECT_NE(MakeEdgeCases(unranked, 4, 1).status().message().find("no declared rank"),
            std::string::npos);
}

TEST(EdgeCasesTest, TheDigitsModelPassesEveryCase) {
  engine::ModelOptions options;
  options.intra_op_threads = 1;
  auto model = engine::Model::LoadFromFile(BERTH_FIXTURES_DIR "/digits_cnn.onnx", options);
  ASSERT_TRUE(model.ok()) << model.status();
  auto cases = MakeEdgeCases((*model)->inputs(), 16, 7);
  ASSERT_TRUE(cases.ok());
  for (const EdgeCase& c : *cases) {
    EdgeCaseResult r = RunEdgeCase(**model, c);
    EXPECT_FALSE(EdgeOutcomeFails(r.outcome)) << c.name << ": " << r.detail;
  }
}

TEST(EdgeCaseCheckTest, ACrashInTheChildFailsTheCheckNamingTheCase) {
  ChildOutcome child = RunInChild(
      [](const EmitLine& emit) {
        emit("begin\tzeros");
        emit("end\tzeros\tok\tran");
        emit("begin\tnan");
        ::raise(SIGSEGV);
      },
      30);
  ASSERT_TRUE(child.started);
  EXPECT_FALSE(child.completed);
  CheckResult c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_NE(c.message.find("case 'nan' crashed the model"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("signal 11"), std::string::npos) << c.message;
}

TEST(EdgeCaseCheckTest, AnExecutedChildThatCrashesIsReportedToo) {
  ChildOutcome child =
      RunCommandInChild({"/bin/sh", "-c", "printf 'begin\\thuge\\n'; kill -SEGV $$"}, 30);
  ASSERT_TRUE(child.started);
  CheckResult c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_NE(c.message.find("case 'huge' crashed the model: it killed by signal 11"),
            std::string::npos)
      << c.message;
}

TEST(EdgeCaseCheckTest, AHangIsKilledAfterTheTimeLimit) {
  ChildOutcome child = RunInChild(
      [](const EmitLine& emit) {
        emit("begin\tinf");
        ::pause();
      },
      0.5);
  EXPECT_TRUE(child.timed_out);
  CheckResult c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_NE(c.message.find("case 'inf'"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("did not finish within 0.5 s"), std::string::npos) << c.message;
}

TEST(EdgeCaseCheckTest, FailedCasesAndSkipsAreReported) {
  ChildOutcome child;
  child.started = child.completed = true;
  child.lines = {"largest\t2",
                 "begin\tzeros",
                 "end\tzeros\tok\tran",
                 "begin\thuge",
                 "end\thuge\tnon_finite\toutput 'y' has 3 of 10 values NaN or infinite",
                 "begin\tnan",
                 "end\tnan\trefused\tthe model refused it: bad"};
  CheckResult c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.message, "case 'huge' non_finite: output 'y' has 3 of 10 values NaN or infinite");
  EXPECT_EQ(c.figures.back(), (std::pair<std::string, double>{"largest_batch", 2}));  // as made
  EXPECT_EQ(c.figures[2], (std::pair<std::string, double>{"refused", 1}));
  child.lines = {"begin\tzeros", "end\tzeros\tok\tran", "begin\tnan",
                 "end\tnan\trefused\tthe model refused it: bad"};
  c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kPassed);
  EXPECT_EQ(c.message,
            "2 cases (zeros, nan): 1 ran with finite, repeatable outputs, 1 refused with an error "
            "(nan)");
  child.lines = {"skip\tinput 'text' is string"};
  c = EdgeCaseCheckFrom(child, 64);
  EXPECT_EQ(c.status, CheckStatus::kSkipped);
  EXPECT_EQ(c.message, "input 'text' is string");
}

}  // namespace
}  // namespace berth::validation
