#include "quality/profile.h"

#include "gtest/gtest.h"
#include "quality/drift_window.h"
#include "quality/test_util.h"

namespace berth::quality {
namespace {

Profile Build(const engine::Tensor& inputs, const engine::Tensor* outputs = nullptr) {
  ProfileBuilder builder;
  EXPECT_TRUE(builder.Add(TensorRole::kInput, "x", inputs).ok());
  if (outputs) {
    EXPECT_TRUE(builder.Add(TensorRole::kOutput, "y", *outputs).ok());
  }
  absl::StatusOr<Profile> p = builder.Finish(absl::UnixEpoch(), "test");
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

TEST(ProfileTest, QuantileBinsHoldEqualShares) {
  Profile p = Build(Normal(10000, 3, 0));
  ASSERT_EQ(p.tensors.size(), 1u);
  const TensorProfile& x = p.tensors[0];
  EXPECT_EQ(x.kind, BinningKind::kFeatures);
  EXPECT_EQ(x.row_elements, 3);
  ASSERT_EQ(x.histograms.size(), 3u);
  for (const Histogram& h : x.histograms) {
    ASSERT_EQ(h.edges.size(), 9u);
    for (double s : h.shares) EXPECT_NEAR(s, 0.1, 0.01);
    EXPECT_NEAR(h.edges[4], 0.0, 0.1);  // the median of N(0, 1)
  }
}

TEST(ProfileTest, ConstantFeatureGetsFewerBins) {
  engine::Tensor t(engine::DataType::kFloat, {100, 1});
  for (int i = 0; i < 100; ++i) t.data<float>()[i] = 3.0f;
  Profile p = Build(t);
  EXPECT_EQ(p.tensors[0].histograms[0].edges.size(), 1u);
}

TEST(ProfileTest, WideInputsPoolTheRest) {
  Profile p = Build(Normal(50, 1000, 0));
  const TensorProfile& x = p.tensors[0];
  EXPECT_EQ(x.histograms.size(), static_cast<size_t>(kMaxIndividualFeatures + 1));
  EXPECT_EQ(HistogramCount(BinningKind::kFeatures, 1000), kMaxIndividualFeatures + 1);
  EXPECT_EQ(HistogramCount(BinningKind::kFeatures, 10), 10);
}

TEST(ProfileTest, OutputsAreClassesOrValues) {
  engine::Tensor scores = Scores(300, 3, 300);
  Profile p = Build(Normal(300, 2, 0), &scores);
  const TensorProfile* y = p.Find(TensorRole::kOutput, "y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->kind, BinningKind::kClasses);
  ASSERT_EQ(y->histograms[0].shares.size(), 3u);
  for (double s : y->histograms[0].shares) EXPECT_NEAR(s, 1.0 / 3, 1e-9);

  engine::Tensor values = Normal(300, 1, 5);
  Profile r = Build(Normal(300, 2, 0), &values);
  EXPECT_EQ(r.Find(TensorRole::kOutput, "y")->kind, BinningKind::kValues);

  engine::Tensor labels(engine::DataType::kInt64, {4});
  for (int i = 0; i < 4; ++i) labels.data<int64_t>()[i] = i % 2;
  Profile l = Build(Normal(4, 2, 0), &labels);
  EXPECT_EQ(l.Find(TensorRole::kOutput, "y")->kind, BinningKind::kClasses);
  EXPECT_EQ(l.Find(TensorRole::kOutput, "y")->histograms[0].shares.size(), 2u);
}

TEST(ProfileTest, RefusesWhatCannotBeProfiled) {
  ProfileBuilder builder;
  engine::Tensor strings(engine::DataType::kString, {2});
  absl::Status st = builder.Add(TensorRole::kInput, "s", strings);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("input 's'"), std::string::npos) << st;
  EXPECT_EQ(builder.Finish(absl::UnixEpoch(), "").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PsiTest, SameDistributionIsNearZeroShiftedIsLarge) {
  auto profile = std::make_shared<Profile>(Build(Normal(20000, 4, 0, 1)));
  DriftWindow same(profile, {5000, 10});
  same.Observe(TensorRole::kInput, "x", Normal(5000, 4, 0, 2));
  std::vector<TensorDrift> d = same.Drift();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_LT(d[0].psi, 0.02);
  EXPECT_EQ(d[0].rows, 5000);

  DriftWindow shifted(profile, {5000, 10});
  shifted.Observe(TensorRole::kInput, "x", Normal(5000, 4, 1.5, 3));
  EXPECT_GT(shifted.Drift()[0].psi, 1.0);
}

TEST(PsiTest, EmptyBinsAreFloored) {
  Histogram h{{0.5}, {1.0, 0.0}};
  const double psi = Psi(h, {0, 10});
  EXPECT_TRUE(std::isfinite(psi));
  EXPECT_GT(psi, 5);
  EXPECT_EQ(Psi(h, {0, 0}), 0);
  EXPECT_NEAR(Psi(h, {10, 0}), 0, 1e-3);
}

}  // namespace
}  // namespace berth::quality
