#include "optimize/prune.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "optimize/prune_graph.h"
#include "optimize/prune_test_util.h"

namespace berth::optimize {
namespace {

using prune_internal::ReadFloats;
using testing::GraphBuilder;

const onnx::TensorProto& Initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const onnx::TensorProto& t : m.graph().initializer()) {
    if (t.name() == name) return t;
  }
  ADD_FAILURE() << "no initializer " << name;
  static const onnx::TensorProto* const kEmpty = new onnx::TensorProto();
  return *kEmpty;
}

std::vector<float> Values(const onnx::ModelProto& m, const std::string& name) {
  absl::StatusOr<std::vector<float>> v = ReadFloats(Initializer(m, name));
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::vector<float>();
}

int Zeros(const std::vector<float>& v) {
  int n = 0;
  for (float x : v) n += x == 0.0f;
  return n;
}

// x[N,4] -> Relu -> MatMul(W1[4,3]) -> Relu -> Gemm(W2[2,3], transB) -> y[N,2]. (The first
// Relu keeps W1 from being the first layer, which stays dense: FirstLayerStaysDense.)
onnx::ModelProto MlpModel() {
  return GraphBuilder()
      .Input("x", {-1, 4})
      .Output("y", {-1, 2})
      .Node("Relu", {"x"}, {"x0"})
      .Weight("w1", {4, 3},
              {0.5f, -0.1f, 0.3f, -0.7f, 0.2f, 0.05f, 0.9f, -0.4f, 0.0f, 0.6f, -0.8f, 0.15f})
      .Weight("w2", {2, 3}, {1.0f, -2.0f, 0.5f, 0.25f, -0.125f, 3.0f})
      .Weight("b2", {2}, {0.1f, 0.2f})
      .Node("MatMul", {"x0", "w1"}, {"h"})
      .Node("Relu", {"h"}, {"r"})
      .Node("Gemm", {"r", "w2", "b2"}, {"y"}, {{"transB", 1}})
      .Build();
}

TEST(PruneMagnitudeTest, ZeroesTheSmallestWeightsOfEachTensor) {
  onnx::ModelProto m = MlpModel();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 2);
  EXPECT_EQ(report->weights, 12 + 6);
  EXPECT_EQ(report->zeroed, 6 + 3);
  EXPECT_EQ(report->channels_removed, 0);
  EXPECT_GT(report->bytes_before, 0);
  EXPECT_GT(report->bytes_after, 0);
  // The six smallest |w| of w1 are 0, 0.05, -0.1, 0.15, 0.2, 0.3; the rest stay as they were.
  EXPECT_EQ(Values(m, "w1"), (std::vector<float>{0.5f, 0.0f, 0.0f, -0.7f, 0.0f, 0.0f, 0.9f, -0.4f,
                                                 0.0f, 0.6f, -0.8f, 0.0f}));
  EXPECT_EQ(Values(m, "w2"), (std::vector<float>{1.0f, -2.0f, 0.0f, 0.0f, 0.0f, 3.0f}));
  // Biases are not weights: left alone.
  EXPECT_EQ(Values(m, "b2"), (std::vector<float>{0.1f, 0.2f}));
  ASSERT_TRUE(testing::RunModel(m, testing::RandomInput({3, 4})).ok());
}

TEST(PruneMagnitudeTest, SparsityZeroChangesNoValue) {
  onnx::ModelProto m = MlpModel();
  const std::vector<float> before = Values(m, "w1");
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.0, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->zeroed, 0);
  EXPECT_EQ(Values(m, "w1"), before);
}

TEST(PruneMagnitudeTest, RefusesSparsityOutsideZeroToOne) {
  for (double s : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity()}) {
    onnx::ModelProto m = MlpModel();
    absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{s, false});
    EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(report.status().message().find("sparsity"), std::string::npos);
    report = PruneModel(m, PruneOptions{s, true});
    EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument) << s;
  }
}

TEST(PruneMagnitudeTest, PrunesASharedWeightOnceAndFollowsIdentity) {
  // Two MatMuls read the same weight, one of them through an Identity node.
  onnx::ModelProto m = GraphBuilder()
                           .Input("x", {-1, 2})
                           .Output("y", {-1, 2})
                           .Weight("w", {2, 2}, {1.0f, -4.0f, 3.0f, 2.0f})
                           .Node("Relu", {"x"}, {"x0"})
                           .Node("Identity", {"w"}, {"w_alias"})
                           .Node("MatMul", {"x0", "w"}, {"a"})
                           .Node("MatMul", {"a", "w_alias"}, {"y"})
                           .Build();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 1);
  EXPECT_EQ(report->zeroed, 2);
  EXPECT_EQ(Values(m, "w"), (std::vector<float>{0.0f, -4.0f, 3.0f, 0.0f}));
}

TEST(PruneMagnitudeTest, PrunesConvWeightsAndSkipsNonFloatAndComputedOnes) {
  onnx::ModelProto m = GraphBuilder()
                           .Input("x", {-1, 2, 3, 3})
                           .Input("w_in", {2, 2})
                           .Output("y", {-1, 4, 3, 3})
                           .Output("z", {-1, 2})
                           .Pattern("wc", {4, 2, 1, 1})
                           .Node("Relu", {"x"}, {"x0"})
                           .Node("Conv", {"x0", "wc"}, {"y"})
                           .Node("MatMul", {"w_in", "q"}, {"z"})
                           .Build();
  // q is an int8 weight (as a quantized model has): not float, left alone.
  onnx::TensorProto* q = m.mutable_graph()->add_initializer();
  q->set_name("q");
  q->set_data_type(onnx::TensorProto::INT8);
  q->add_dims(1);
  q->add_int32_data(5);
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.25, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 1);
  EXPECT_EQ(report->weights, 8);
  EXPECT_EQ(report->zeroed, 2);
  EXPECT_EQ(Zeros(Values(m, "wc")), 2);
}

TEST(PruneMagnitudeTest, NanCountsAsTheLargestWeight) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  onnx::ModelProto m = GraphBuilder()
                           .Input("x", {-1, 2})
                           .Output("y", {-1, 2})
                           .Weight("w", {2, 2}, {nan, 0.5f, -0.25f, 2.0f})
                           .Node("Relu", {"x"}, {"x0"})
                           .Node("MatMul", {"x0", "w"}, {"y"})
                           .Build();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.75, false});
  ASSERT_TRUE(report.ok()) << report.status();
  const std::vector<float> w = Values(m, "w");
  ASSERT_EQ(w.size(), 4u);
  EXPECT_TRUE(std::isnan(w[0]));
  EXPECT_EQ(Zeros(w), 3);
}

TEST(PruneMagnitudeTest, FirstLayerStaysDense) {
  onnx::ModelProto m = GraphBuilder()
                           .Input("x", {-1, 2})
                           .Output("y", {-1, 2})
                           .Weight("w", {2, 2}, {1.0f, -4.0f, 3.0f, 2.0f})
                           .Node("MatMul", {"x", "w"}, {"y"})
                           .Build();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 0);
  EXPECT_EQ(report->zeroed, 0);
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("graph input 'x'"), std::string::npos) << report->skipped[0];
  EXPECT_EQ(Values(m, "w"), (std::vector<float>{1.0f, -4.0f, 3.0f, 2.0f}));
}

TEST(PruneMagnitudeTest, AWeightItCannotReadFailsNamingItAndLeavesTheModel) {
  onnx::ModelProto m = MlpModel();
  // w2 claims 6 elements but holds 5.
  onnx::TensorProto* w2 = m.mutable_graph()->mutable_initializer(1);
  w2->mutable_float_data()->RemoveLast();
  const std::string before = m.SerializeAsString();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("w2"), std::string::npos) << report.status();
  EXPECT_EQ(m.SerializeAsString(), before);
}

TEST(PruneMagnitudeTest, RefusesExternalDataNamingTheTensor) {
  onnx::ModelProto m = MlpModel();
  onnx::TensorProto* w1 = m.mutable_graph()->mutable_initializer(0);
  w1->clear_float_data();
  w1->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w1->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("w1"), std::string::npos) << report.status();
}

}  // namespace
}  // namespace berth::optimize
