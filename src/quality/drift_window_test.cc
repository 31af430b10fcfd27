#include "quality/drift_window.h"

#include "gtest/gtest.h"
#include "quality/test_util.h"

namespace berth::quality {
namespace {

std::shared_ptr<const Profile> Reference() {
  ProfileBuilder builder;
  EXPECT_TRUE(builder.Add(TensorRole::kInput, "x", Normal(5000, 2, 0)).ok());
  EXPECT_TRUE(builder.Add(TensorRole::kOutput, "y", Scores(5000, 3, 5000)).ok());
  return std::make_shared<const Profile>(*builder.Finish(absl::UnixEpoch(), "test"));
}

TEST(DriftWindowTest, SlidesOverTheLastRows) {
  DriftWindow window(Reference(), {1000, 10});
  window.Observe(TensorRole::kInput, "x", Normal(1000, 2, 3, 7));  // far off
  EXPECT_GT(window.Drift()[0].psi, 1.0);
  // 1000 rows back in distribution push every shifted row out of the window.
  for (int i = 0; i < 10; ++i) window.Observe(TensorRole::kInput, "x", Normal(100, 2, 0, 8 + i));
  EXPECT_LT(window.Drift()[0].psi, 0.1);
  EXPECT_EQ(window.rows(), 1000);
  // Never more than the window.
  window.Observe(TensorRole::kInput, "x", Normal(5000, 2, 0, 30));
  EXPECT_LE(window.rows(), 1000);
  EXPECT_GE(window.rows(), 900);
}

TEST(DriftWindowTest, OutputClassesDrift) {
  DriftWindow window(Reference(), {900, 9});
  window.Observe(TensorRole::kOutput, "y", Scores(900, 3, 900));
  EXPECT_LT(window.Drift()[1].psi, 0.01);
  window.Observe(TensorRole::kOutput, "y", Scores(900, 3, 0));  // all class 0
  EXPECT_GT(window.Drift()[1].psi, 1.0);
  EXPECT_EQ(window.Drift()[1].role, TensorRole::kOutput);
}

TEST(DriftWindowTest, IgnoresUnknownTensorsAndOtherRowSizes) {
  DriftWindow window(Reference(), {1000, 10});
  window.Observe(TensorRole::kInput, "other", Normal(10, 2, 0));
  window.Observe(TensorRole::kInput, "x", Normal(10, 3, 0));
  window.Observe(TensorRole::kOutput, "x", Normal(10, 2, 0));
  EXPECT_EQ(window.rows(), 0);
  EXPECT_EQ(window.Drift()[0].psi, 0);
}

}  // namespace
}  // namespace berth::quality
