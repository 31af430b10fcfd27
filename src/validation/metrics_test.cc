#include "validation/metrics.h"

#include <cmath>

#include "gtest/gtest.h"

namespace berth::validation {
namespace {

CollectedOutput Scores(std::vector<double> values, int64_t classes) {
  CollectedOutput o;
  o.name = "logits";
  o.row_elements = classes;
  o.rows = static_cast<int64_t>(values.size()) / classes;
  o.values = std::move(values);
  return o;
}

TEST(MetricsTest, ClassificationTop1AndTopK) {
  // 3 rows of 6 classes; labels 0, 1, 5.
  CollectedOutput o = Scores({9, 1, 2, 3, 4, 5,   // argmax 0: right
                              0, 1, 2, 3, 4, 5,   // label 1 is 5th largest: top-5 only
                              5, 4, 3, 2, 1, 0},  // label 5 is the smallest: neither
                             6);
  absl::StatusOr<AccuracyFigures> a = ClassificationAccuracy(o, {0, 1, 5});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->task, "classification");
  EXPECT_EQ(a->rows, 3);
  EXPECT_DOUBLE_EQ(a->top1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(*a->top5, 2.0 / 3);
}

TEST(MetricsTest, ClassificationFromPredictedLabels) {
  CollectedOutput o = Scores({1, 2, 3, 3}, 1);
  o.dtype = engine::DataType::kInt64;
  absl::StatusOr<AccuracyFigures> a = ClassificationAccuracy(o, {1, 2, 0, 3});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_DOUBLE_EQ(a->top1, 0.75);
  EXPECT_FALSE(a->top5.has_value());
}

TEST(MetricsTest, ClassificationRefusesBadLabelsAndShapes) {
  CollectedOutput o = Scores({1, 2, 3, 4}, 2);
  EXPECT_NE(ClassificationAccuracy(o, {0, 7}).status().message().find("label 7 of row 1"),
            std::string::npos);
  EXPECT_NE(ClassificationAccuracy(o, {0}).status().message().find("2 rows but there are 1"),
            std::string::npos);
  CollectedOutput one = Scores({0.5, 0.7}, 1);  // float, one per row
  EXPECT_NE(ClassificationAccuracy(one, {0, 1}).status().message().find("neither"),
            std::string::npos);
}

TEST(MetricsTest, RegressionMaeAndRmse) {
  CollectedOutput o = Scores({1, 2, 4}, 1);
  absl::StatusOr<AccuracyFigures> a = RegressionAccuracy(o, {1, 3, 2});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_DOUBLE_EQ(a->mae, 1.0);
  EXPECT_DOUBLE_EQ(a->rmse, std::sqrt(5.0 / 3));
  EXPECT_FALSE(RegressionAccuracy(Scores({1, 2}, 2), {1}).ok());
}

TEST(MetricsTest, AgreementOfTwoModels) {
  std::vector<CollectedOutput> a = {Scores({1, 2, 4, 3}, 2)};
  std::vector<CollectedOutput> b = {Scores({1, 2.5, 3, 4}, 2)};
  absl::StatusOr<AgreementFigures> f = CompareOutputs(a, b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->rows, 2);
  EXPECT_EQ(f->outputs, 1);
  EXPECT_DOUBLE_EQ(f->max_abs_diff, 1.0);
  EXPECT_DOUBLE_EQ(f->max_rel_diff, 0.25);  // |4 - 3| / 4
  EXPECT_DOUBLE_EQ(*f->top1_agreement, 0.5);
  EXPECT_EQ(f->nan_mismatches, 0);
}

TEST(MetricsTest, AgreementCountsNanMismatchesAndRefusesUnlikeOutputs) {
  std::vector<CollectedOutput> a = {Scores({std::nan(""), 1}, 2)};
  std::vector<CollectedOutput> b = {Scores({0, 1}, 2)};
  EXPECT_EQ(CompareOutputs(a, b)->nan_mismatches, 1);
  std::vector<CollectedOutput> c = {Scores({0, 1, 2}, 3)};
  EXPECT_NE(CompareOutputs(a, c).status().message().find("output 'logits'"), std::string::npos);
  c[0].name = "other";
  EXPECT_NE(CompareOutputs(a, c).status().message().find("no output name in common"),
            std::string::npos);
}

}  // namespace
}  // namespace berth::validation
