#include "validation/validator.h"

#include "gtest/gtest.h"
#include "validation/edge_cases.h"

namespace berth::validation {
namespace {

const std::string kDigits = BERTH_FIXTURES_DIR "/digits_cnn.onnx";
const std::string kDigitsData = BERTH_FIXTURES_DIR "/digits_test.npz";

ValidationRequest DigitsRequest() {
  ValidationRequest r;
  r.model = {kDigits, std::nullopt, std::nullopt, "0"};
  r.model_path = kDigits;
  r.data.files = {kDigitsData};
  return r;
}

// The digits model against a copy of itself (the same file under another name).
ValidationRequest DigitsAgainstItself() {
  ValidationRequest r = DigitsRequest();
  r.against = ModelIdentity{"old.onnx", std::nullopt, std::nullopt, "0"};
  r.against_path = kDigits;
  return r;
}

ValidationOptions Quick() {
  ValidationOptions o;
  o.latency_iterations = 20;
  o.largest_batch = 8;
  return o;
}

const CheckResult& Check(const ValidationReport& r, const std::string& name) {
  for (const CheckResult& c : r.checks) {
    if (c.name == name) return c;
  }
  static const CheckResult kMissing;
  ADD_FAILURE() << "no check " << name;
  return kMissing;
}

TEST(ValidatorTest, TheDigitsModelPassesEveryCheckInOrder) {
  ValidationRequest request = DigitsAgainstItself();
  ValidationOptions options = Quick();
  options.min_accuracy = 0.9;
  absl::StatusOr<ValidationReport> r = Validate(request, options);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> names;
  for (const CheckResult& c : r->checks) {
    names.push_back(c.name);
    EXPECT_EQ(c.status, CheckStatus::kPassed) << c.name << ": " << c.message;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"load", "signature", "accuracy", "agreement",
                                             "edge_cases", "latency"}));
  EXPECT_TRUE(r->passed);
  ASSERT_TRUE(r->accuracy.has_value());
  EXPECT_EQ(r->accuracy->rows, 359);
  EXPECT_NEAR(r->accuracy->top1, 350.0 / 359, 1e-9);  // tests/fixtures/accuracy.json
  EXPECT_GE(*r->accuracy->top5, r->accuracy->top1);
  const CheckResult& agreement = Check(*r, "agreement");
  ASSERT_GE(agreement.figures.size(), 6u);
  EXPECT_EQ(agreement.figures[2], (std::pair<std::string, double>{"max_abs_diff", 0}));
  EXPECT_EQ(agreement.figures[5], (std::pair<std::string, double>{"top1_agreement", 1}));
  ASSERT_TRUE(r->latency.has_value());
  EXPECT_GT(r->latency->p99_ms, 0);
  EXPECT_GE(r->latency->p99_ms, r->latency->p50_ms);
}

TEST(ValidatorTest, AMinimumAccuracyAboveTheModelFails) {
  ValidationOptions options = Quick();
  options.min_accuracy = 0.99;
  absl::StatusOr<ValidationReport> r = Validate(DigitsRequest(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->passed);
  const CheckResult& c = Check(*r, "accuracy");
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_NE(c.message.find("below the minimum 0.99 (350 of 359 rows right)"), std::string::npos)
      << c.message;
}

TEST(ValidatorTest, TheLatencyBudgetDecidesTheLatencyCheck) {
  ValidationOptions options = Quick();
  options.max_p99_ms = 0;  // nothing runs in 0 ms
  absl::StatusOr<ValidationReport> r = Validate(DigitsRequest(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Check(*r, "latency").status, CheckStatus::kFailed);
  EXPECT_NE(Check(*r, "latency").message.find("over the budget of 0 ms"), std::string::npos);
  EXPECT_FALSE(r->passed);
  options.max_p99_ms = 1e9;
  r = Validate(DigitsRequest(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Check(*r, "latency").status, CheckStatus::kPassed);
  EXPECT_TRUE(r->passed);
}

TEST(ValidatorTest, AModelThatDoesNotLoadFailsTheLoadCheckAndSkipsTheRest) {
  ValidationRequest request = DigitsRequest();
  request.model_path = kDigitsData;  // not a model
  absl::StatusOr<ValidationReport> r = Validate(request, Quick());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->passed);
  ASSERT_EQ(r->checks.size(), 6u);
  EXPECT_EQ(r->checks[0].status, CheckStatus::kFailed);
  EXPECT_NE(r->checks[0].message.find("does not load"), std::string::npos);
  for (size_t i = 1; i < r->checks.size(); ++i) {
    EXPECT_EQ(r->checks[i].status, CheckStatus::kSkipped) << r->checks[i].name;
  }
}

TEST(ValidatorTest, WithoutDataAccuracyAndAgreementAreSkipped) {
  ValidationRequest request = DigitsRequest();
  request.data.files.clear();
  absl::StatusOr<ValidationReport> r = Validate(request, Quick());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->passed);
  EXPECT_EQ(Check(*r, "accuracy").status, CheckStatus::kSkipped);
  EXPECT_EQ(Check(*r, "agreement").status, CheckStatus::kSkipped);
  EXPECT_EQ(Check(*r, "latency").status, CheckStatus::kPassed);
}

// The model against itself agrees on every row with no difference: the thresholds at their
// tightest pass; without data they fail, since nothing was compared. (A model that disagrees
// fails them in tests/validation/test_validate_cli.py, with the broken digits model.)
TEST(ValidatorTest, AgreementThresholdsDecideTheAgreementCheck) {
  ValidationRequest request = DigitsAgainstItself();
  ValidationOptions options = Quick();
  options.min_agreement = 1.0;
  options.max_abs_diff = 0.0;
  absl::StatusOr<ValidationReport> r = Validate(request, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Check(*r, "agreement").status, CheckStatus::kPassed) << Check(*r, "agreement").message;
  EXPECT_EQ(r->options.min_agreement, 1.0);

  request.data.files.clear();
  r = Validate(request, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Check(*r, "agreement").status, CheckStatus::kFailed);
  EXPECT_NE(Check(*r, "agreement").message.find("no data"), std::string::npos);
  EXPECT_FALSE(r->passed);
}

TEST(ValidatorTest, AgreementThresholdsNeedAModelToCompareAgainst) {
  ValidationOptions options = Quick();
  options.min_agreement = 0.9;
  absl::StatusOr<ValidationReport> r = Validate(DigitsRequest(), options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("compare against"), std::string::npos) << r.status();
  options.min_agreement = 1.5;
  ValidationRequest request = DigitsAgainstItself();
  EXPECT_NE(Validate(request, options).status().message().find("min agreement 1.5"),
            std::string::npos);
}

TEST(ValidatorTest, RefusesOptionsOutOfBoundsAndDataThatDoesNotFit) {
  ValidationOptions options = Quick();
  options.batch = 0;
  EXPECT_NE(Validate(DigitsRequest(), options).status().message().find("batch 0"),
            std::string::npos);
  options = Quick();
  options.min_accuracy = 1.5;
  EXPECT_FALSE(Validate(DigitsRequest(), options).ok());
  ValidationRequest request = DigitsRequest();
  request.data.files = {BERTH_FIXTURES_DIR "/breast_cancer_test.npz"};
  EXPECT_NE(Validate(request, Quick()).status().message().find("no tensor 'image'"),
            std::string::npos);
}

}  // namespace
}  // namespace berth::validation

namespace berth::validation {
namespace {

// A process whose OpenMP runtime already ran a team of several threads (as `berth optimize`
// validates after calibrating in process) runs the edge cases through a command: fork and
// exec, which does not hang. /bin/sh stands in for `berth validate-edge-cases` here.
TEST(ValidatorTest, EdgeCasesRunThroughACommandAfterThisProcessRanThreads) {
  engine::ModelOptions model_options;
  model_options.intra_op_threads = 2;
  auto model = engine::Model::LoadFromFile(kDigits, model_options);
  ASSERT_TRUE(model.ok()) << model.status();
  auto inputs = MakeRandomInputs((*model)->inputs(), 64, 1);
  ASSERT_TRUE(inputs.ok());
  std::vector<const engine::Tensor*> pointers = {&(*inputs)[0]};
  std::vector<engine::Tensor> outputs;
  ASSERT_TRUE((*model)->Run(pointers, &outputs).ok());
  ValidationOptions options = Quick();
  options.threads = 2;
  options.edge_case_timeout_seconds = 60;
  // sh -c SCRIPT NAME MODEL LARGEST SEED THREADS: the script echoes what it was given.
  options.edge_case_command = {
      "/bin/sh", "-c",
      "printf 'largest\\t%s\\nbegin\\tzeros\\nend\\tzeros\\tok\\t%s %s\\n' \"$2\" \"$1\" \"$4\"",
      "sh"};
  absl::StatusOr<ValidationReport> r = Validate(DigitsRequest(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  const CheckResult& edge = Check(*r, "edge_cases");
  EXPECT_EQ(edge.status, CheckStatus::kPassed) << edge.message;
  EXPECT_EQ(edge.figures.back(), (std::pair<std::string, double>{"largest_batch", 8}));
  EXPECT_TRUE(r->passed);
  options.edge_case_command = {"/no/such/program"};
  r = Validate(DigitsRequest(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Check(*r, "edge_cases").status, CheckStatus::kFailed);
  EXPECT_NE(Check(*r, "edge_cases").message.find("exited with status 127"), std::string::npos)
      << Check(*r, "edge_cases").message;
}

}  // namespace
}  // namespace berth::validation
