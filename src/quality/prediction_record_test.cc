#include "quality/prediction_record.h"

#include "gtest/gtest.h"

namespace berth::quality {
namespace {

TEST(PredictionRecordTest, EvictsTheOldestWhenFull) {
  PredictionRecord record(3);
  for (int i = 0; i < 5; ++i) record.Add("r" + std::to_string(i), {1, true, double(i)});
  EXPECT_EQ(record.size(), 3);
  EXPECT_FALSE(record.Take("r0"));
  EXPECT_FALSE(record.Take("r1"));
  std::optional<Prediction> p = record.Take("r4");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->value, 4);
  EXPECT_FALSE(record.Take("r4")) << "a prediction is joined once";
}

TEST(PredictionRecordTest, ReAddingAnIdReplacesItAndStaysBounded) {
  PredictionRecord record(2);
  for (int i = 0; i < 1000; ++i) record.Add("same", {1, false, double(i)});
  EXPECT_EQ(record.size(), 1);
  record.Add("other", {2, false, 0});
  record.Add("third", {2, false, 0});
  EXPECT_EQ(record.size(), 2);
  EXPECT_FALSE(record.Take("same"));
  for (int i = 0; i < 100000; ++i) {
    record.Add("k" + std::to_string(i % 7), {1, true, 0});
    record.Take("k" + std::to_string((i + 3) % 7));
  }
  EXPECT_LE(record.size(), 2);
}

TEST(LiveAccuracyTest, RollsOverTheLastLabels) {
  LiveAccuracy a(4);
  EXPECT_FALSE(a.accuracy());
  for (int i = 0; i < 4; ++i) a.AddClassification(true);
  EXPECT_EQ(*a.accuracy(), 1.0);
  a.AddClassification(false);
  a.AddClassification(false);
  EXPECT_EQ(*a.accuracy(), 0.5);
  EXPECT_EQ(a.labelled(), 4);
  EXPECT_FALSE(a.mean_absolute_error());
  LiveAccuracy r(10);
  r.AddRegression(1.0);
  r.AddRegression(3.0);
  EXPECT_EQ(*r.mean_absolute_error(), 2.0);
}

}  // namespace
}  // namespace berth::quality
