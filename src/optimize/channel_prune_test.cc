#include <cmath>
#include <set>

#include "gtest/gtest.h"
#include "optimize/model_edit.h"
#include "optimize/prune.h"
#include "optimize/prune_graph.h"
#include "optimize/prune_test_util.h"

namespace berth::optimize {
namespace {

using testing::GraphBuilder;
using testing::RandomInput;
using testing::RunModel;

// The weight of `w` values of shape [C, rest] with the channels in `zero` all zero.
std::vector<float> WithZeroChannels(int64_t channels, int64_t per_channel,
                                    const std::set<int64_t>& zero) {
  std::vector<float> v(channels * per_channel);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < per_channel; ++i) {
      v[c * per_channel + i] =
          zero.count(c) ? 0.0f : 0.05f * static_cast<float>((i + c) % 5 - 2) + 0.3f;
    }
  }
  return v;
}

// The dims of the initializer node `node_output`'s producer reads as input `input`.
std::vector<int64_t> InputDims(const onnx::ModelProto& m, const std::string& node_output,
                               int input) {
  for (const onnx::NodeProto& n : m.graph().node()) {
    if (n.output(0) != node_output) continue;
    for (const onnx::TensorProto& t : m.graph().initializer()) {
      if (t.name() == n.input(input)) return prune_internal::Dims(t);
    }
  }
  ADD_FAILURE() << "no initializer input " << input << " of the node producing " << node_output;
  return {};
}

// Every initializer is read by some node (pruning leaves none behind).
void ExpectNoUnreadInitializer(const onnx::ModelProto& m) {
  std::set<std::string> read;
  for (const onnx::NodeProto& n : m.graph().node()) read.insert(n.input().begin(), n.input().end());
  for (const onnx::TensorProto& t : m.graph().initializer()) {
    EXPECT_TRUE(read.count(t.name())) << "initializer " << t.name() << " is read by no node";
  }
}

// Prunes `m` at `sparsity` and checks that its outputs on a random input do not change (the
// removed channels were all zero) and that it got smaller.
PruneReport PruneKeepingOutputs(onnx::ModelProto& m, double sparsity,
                                const std::vector<int64_t>& input_dims) {
  const engine::Tensor input = RandomInput(input_dims);
  std::vector<int64_t> shape_before, shape_after;
  absl::StatusOr<std::vector<float>> before = RunModel(m, input, &shape_before);
  EXPECT_TRUE(before.ok()) << before.status();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{sparsity, true});
  EXPECT_TRUE(report.ok()) << report.status();
  if (!report.ok() || !before.ok()) return PruneReport();
  absl::StatusOr<std::vector<float>> after = RunModel(m, input, &shape_after);
  EXPECT_TRUE(after.ok()) << after.status();
  if (!after.ok()) return *report;
  EXPECT_EQ(shape_after, shape_before);
  EXPECT_EQ(after->size(), before->size());
  for (size_t i = 0; i < before->size() && i < after->size(); ++i) {
    EXPECT_NEAR((*after)[i], (*before)[i], 1e-4f) << "output element " << i;
  }
  EXPECT_LT(report->bytes_after, report->bytes_before);
  EXPECT_EQ(report->bytes_after, static_cast<int64_t>(m.ByteSizeLong()));
  ExpectNoUnreadInitializer(m);
  return *report;
}

// The graphs below start with Relu(x) -> x0: a convolution reading a graph input directly is
// left whole (FirstLayerKeepsItsChannels).
TEST(PruneChannelsTest, ConvBatchNormReluPoolConv) {
  GraphBuilder b;
  b.Input("x", {-1, 2, 6, 6})
      .Node("Relu", {"x"}, {"x0"})
      .Output("y", {-1, 3, 3, 3})
      .Weight("w1", {4, 2, 3, 3}, WithZeroChannels(4, 18, {1, 3}))
      .Weight("b1", {4}, {0.1f, 0.0f, -0.2f, 0.0f})
      .Weight("scale", {4}, {1.5f, 2.0f, 0.5f, 1.0f})
      .Weight("shift", {4}, {0.2f, 0.0f, -0.1f, 0.0f})
      .Weight("mean", {4}, {0.1f, 0.0f, 0.3f, 0.0f})
      .Weight("var", {4}, {1.0f, 2.0f, 0.5f, 1.5f})
      .Pattern("w2", {3, 4, 3, 3})
      .Weight("b2", {3}, {0.0f, 0.5f, -0.5f})
      .Node("Conv", {"x0", "w1", "b1"}, {"c1"})
      .Ints("pads", {1, 1, 1, 1})
      .Node("BatchNormalization", {"c1", "scale", "shift", "mean", "var"}, {"bn"})
      .Node("Relu", {"bn"}, {"r"})
      .Node("MaxPool", {"r"}, {"p"})
      .Ints("kernel_shape", {2, 2})
      .Ints("strides", {2, 2})
      .Node("Conv", {"p", "w2", "b2"}, {"y"})
      .Ints("pads", {1, 1, 1, 1});
  onnx::ModelProto m = b.Build();
  // A stale shape of a pruned value is dropped, not left to contradict the model.
  onnx::ValueInfoProto* info = m.mutable_graph()->add_value_info();
  info->set_name("r");
  info->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  PruneReport report = PruneKeepingOutputs(m, 0.5, {2, 2, 6, 6});
  EXPECT_EQ(report.tensors, 1);
  EXPECT_EQ(report.weights, 4 * 2 * 3 * 3);
  EXPECT_EQ(report.channels_removed, 2);
  EXPECT_EQ(report.zeroed, 0);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_NE(report.skipped[0].find("graph output"), std::string::npos) << report.skipped[0];
  EXPECT_EQ(InputDims(m, "c1", 1), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(InputDims(m, "c1", 2), (std::vector<int64_t>{2}));
  EXPECT_EQ(InputDims(m, "bn", 1), (std::vector<int64_t>{2}));
  EXPECT_EQ(InputDims(m, "bn", 4), (std::vector<int64_t>{2}));
  EXPECT_EQ(InputDims(m, "y", 1), (std::vector<int64_t>{3, 2, 3, 3}));
  EXPECT_EQ(m.graph().value_info_size(), 0);
}

TEST(PruneChannelsTest, ConvFlattenGemmAndMatMul) {
  for (bool gemm : {true, false}) {
    SCOPED_TRACE(gemm ? "Gemm" : "MatMul");
    GraphBuilder b;
    b.Input("x", {-1, 1, 4, 4})
        .Node("Relu", {"x"}, {"x0"})
        .Output("y", {-1, 5})
        .Weight("w", {4, 1, 3, 3}, WithZeroChannels(4, 9, {0, 2}))
        .Weight("bias", {4}, {0.0f, 0.3f, 0.0f, -0.3f})
        .Node("Conv", {"x0", "w", "bias"}, {"c"})
        .Ints("pads", {1, 1, 1, 1})
        .Node("Relu", {"c"}, {"r"})
        .Node("Flatten", {"r"}, {"f"}, {{"axis", 1}});
    if (gemm) {
      b.Pattern("fc", {5, 64}, 0.02f).Node("Gemm", {"f", "fc"}, {"y"}, {{"transB", 1}});
    } else {
      b.Pattern("fc", {64, 5}, 0.02f).Node("MatMul", {"f", "fc"}, {"y"});
    }
    onnx::ModelProto m = b.Build();
    PruneReport report = PruneKeepingOutputs(m, 0.5, {3, 1, 4, 4});
    EXPECT_EQ(report.channels_removed, 2);
    EXPECT_TRUE(report.skipped.empty());
    const std::vector<int64_t> fc_dims =
        gemm ? std::vector<int64_t>{5, 32} : std::vector<int64_t>{32, 5};
    EXPECT_EQ(InputDims(m, "y", 1), fc_dims);
  }
}

TEST(PruneChannelsTest, ThroughADepthwiseConvolution) {
  // MobileNet's block: 1x1 expand, ReLU6, 3x3 depthwise, ReLU6, 1x1 project.
  GraphBuilder b;
  b.Input("x", {-1, 3, 5, 5})
      .Node("Relu", {"x"}, {"x0"})
      .Output("y", {-1, 2, 5, 5})
      .Weight("lo", {}, {0.0f})
      .Weight("hi", {}, {6.0f})
      .Weight("we", {4, 3, 1, 1}, WithZeroChannels(4, 3, {2, 3}))
      .Weight("wd", {4, 1, 3, 3}, WithZeroChannels(4, 9, {}))
      .Weight("bd", {4}, {0.1f, 0.2f, 0.0f, 0.0f})
      .Pattern("wp", {2, 4, 1, 1})
      .Node("Conv", {"x0", "we"}, {"e"})
      .Node("Clip", {"e", "lo", "hi"}, {"e6"})
      .Node("Conv", {"e6", "wd", "bd"}, {"d"}, {{"group", 4}})
      .Ints("pads", {1, 1, 1, 1})
      .Node("Clip", {"d", "lo", "hi"}, {"d6"})
      .Node("Conv", {"d6", "wp"}, {"y"});
  onnx::ModelProto m = b.Build();
  PruneReport report = PruneKeepingOutputs(m, 0.5, {2, 3, 5, 5});
  EXPECT_EQ(report.tensors, 1);
  EXPECT_EQ(report.channels_removed, 2);
  ASSERT_EQ(report.skipped.size(), 2u);
  EXPECT_NE(report.skipped[0].find("grouped or depthwise"), std::string::npos);
  EXPECT_EQ(InputDims(m, "d", 1), (std::vector<int64_t>{2, 1, 3, 3}));
  EXPECT_EQ(IntAttribute(m.graph().node(3), "group", 0), 2);
  EXPECT_EQ(InputDims(m, "y", 1), (std::vector<int64_t>{2, 2, 1, 1}));
}

TEST(PruneChannelsTest, LeavesWholeWhatItCannotRewriteAndSaysWhy) {
  GraphBuilder b;
  b.Input("x", {-1, 2, 3, 3})
      .Node("Relu", {"x"}, {"x0"})
      .Output("y", {-1, 4, 3, 3})
      .Pattern("wa", {4, 2, 1, 1})
      .Pattern("wb", {4, 2, 1, 1}, 0.2f)
      .Pattern("wc", {4, 2, 1, 1}, 0.3f)
      .Node("Conv", {"x0", "wa"}, {"a"})
      .Node("Conv", {"x0", "wb"}, {"b"})
      .Node("Add", {"a", "b"}, {"s"})
      .Node("Conv", {"s", "wc"}, {"y"}, {{"group", 2}});
  onnx::ModelProto m = b.Build();
  const std::string before = m.SerializeAsString();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 0);
  EXPECT_EQ(report->channels_removed, 0);
  ASSERT_EQ(report->skipped.size(), 3u);
  EXPECT_NE(report->skipped[0].find("feeds Add"), std::string::npos) << report->skipped[0];
  EXPECT_NE(report->skipped[1].find("feeds Add"), std::string::npos) << report->skipped[1];
  EXPECT_NE(report->skipped[2].find("grouped"), std::string::npos) << report->skipped[2];
  EXPECT_EQ(m.SerializeAsString(), before);
  EXPECT_EQ(report->bytes_after, report->bytes_before);
}

TEST(PruneChannelsTest, SharedBiasBehindIdentityStaysForTheOtherReader) {
  // As torch exports ResNet: equal folded biases are one initializer read through Identity.
  GraphBuilder b;
  b.Input("x", {-1, 2, 4, 4})
      .Node("Relu", {"x"}, {"x0"})
      .Output("y", {-1, 3, 4, 4})
      .Output("z", {-1, 4, 4, 4})
      .Weight("shared_bias", {4}, {0.0f, 0.1f, 0.0f, 0.2f})
      .Node("Identity", {"shared_bias"}, {"bias_a"})
      .Node("Identity", {"shared_bias"}, {"bias_b"})
      .Weight("wa", {4, 2, 3, 3}, WithZeroChannels(4, 18, {0, 2}))
      .Pattern("wb", {4, 2, 3, 3})
      .Pattern("wc", {3, 4, 1, 1})
      .Node("Conv", {"x0", "wa", "bias_a"}, {"a"})
      .Ints("pads", {1, 1, 1, 1})
      .Node("Relu", {"a"}, {"r"})
      .Node("Conv", {"r", "wc"}, {"y"})
      .Node("Conv", {"x0", "wb", "bias_b"}, {"z"})
      .Ints("pads", {1, 1, 1, 1});
  onnx::ModelProto m = b.Build();
  PruneReport report = PruneKeepingOutputs(m, 0.5, {1, 2, 4, 4});
  EXPECT_EQ(report.tensors, 1);
  int identities = 0;
  for (const onnx::NodeProto& n : m.graph().node()) identities += n.op_type() == "Identity";
  EXPECT_EQ(identities, 1);  // bias_a's Identity is gone, bias_b's stays
  EXPECT_EQ(InputDims(m, "z", 1), (std::vector<int64_t>{4, 2, 3, 3}));
}

TEST(PruneChannelsTest, PrunedRandomModelStillRunsAndShrinks) {
  GraphBuilder b;
  b.Input("x", {-1, 3, 8, 8})
      .Node("Relu", {"x"}, {"x0"})
      .Output("y", {-1, 10})
      .Pattern("w1", {16, 3, 3, 3}, 0.05f, 0.003f)
      .Pattern("w2", {32, 16, 3, 3}, 0.03f, -0.002f)
      .Pattern("fc", {10, 32}, 0.1f)
      .Node("Conv", {"x0", "w1"}, {"c1"})
      .Ints("pads", {1, 1, 1, 1})
      .Node("Relu", {"c1"}, {"r1"})
      .Node("Conv", {"r1", "w2"}, {"c2"})
      .Ints("strides", {2, 2})
      .Node("Relu", {"c2"}, {"r2"})
      .Node("GlobalAveragePool", {"r2"}, {"g"})
      .Node("Flatten", {"g"}, {"f"})
      .Node("Gemm", {"f", "fc"}, {"y"}, {{"transB", 1}});
  onnx::ModelProto m = b.Build();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.75, true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 2);
  EXPECT_EQ(report->channels_removed, 12 + 24);
  EXPECT_LT(report->bytes_after * 3, report->bytes_before);
  std::vector<int64_t> shape;
  absl::StatusOr<std::vector<float>> out = RunModel(m, RandomInput({2, 3, 8, 8}), &shape);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(InputDims(m, "c2", 1), (std::vector<int64_t>{8, 4, 3, 3}));
  EXPECT_EQ(InputDims(m, "y", 1), (std::vector<int64_t>{10, 8}));
  ExpectNoUnreadInitializer(m);
}

TEST(PruneChannelsTest, KeepsWhatASubgraphReads) {
  // conv a's weight is also read inside an If's branch: the Conv gets a pruned copy, the
  // original stays for the branch. conv b's output is read inside the branch: left whole.
  GraphBuilder b;
  b.Input("x", {-1, 2, 3, 3})
      .Input("cond", {})
      .Output("y", {-1, 2, 3, 3})
      .Output("z", {-1, 2, 3, 3})
      .Node("Relu", {"x"}, {"x0"})
      .Weight("wa", {4, 2, 1, 1}, WithZeroChannels(4, 2, {0, 1}))
      .Pattern("wb", {4, 2, 1, 1})
      .Pattern("wy", {2, 4, 1, 1})
      .Node("Conv", {"x0", "wa"}, {"a"})
      .Node("Conv", {"a", "wy"}, {"y"})
      .Node("Conv", {"x0", "wb"}, {"bo"})
      .Node("If", {"cond"}, {"z"});
  onnx::ModelProto m = b.Build();
  onnx::GraphProto branch;
  branch.set_name("branch");
  onnx::NodeProto* read = branch.add_node();
  read->set_op_type("Conv");
  read->add_input("bo");
  read->add_input("wa");
  read->add_output("branch_out");
  branch.add_output()->set_name("branch_out");
  onnx::NodeProto* if_node = m.mutable_graph()->mutable_node(4);
  for (const char* name : {"then_branch", "else_branch"}) {
    onnx::AttributeProto* a = if_node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = branch;
  }
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 1);
  std::set<std::string> names;
  for (const onnx::TensorProto& t : m.graph().initializer()) names.insert(t.name());
  EXPECT_TRUE(names.count("wa")) << "the branch's weight was removed";
  EXPECT_EQ(InputDims(m, "a", 1), (std::vector<int64_t>{2, 2, 1, 1}));
  bool skipped_b = false;
  for (const std::string& s : report->skipped) {
    skipped_b |= s.find("read inside a subgraph") != std::string::npos;
  }
  EXPECT_TRUE(skipped_b);
}

TEST(PruneChannelsTest, FirstLayerKeepsItsChannels) {
  onnx::ModelProto m = GraphBuilder()
                           .Input("x", {-1, 2, 3, 3})
                           .Output("y", {-1, 2, 3, 3})
                           .Pattern("wa", {4, 2, 1, 1})
                           .Pattern("wb", {2, 4, 1, 1})
                           .Node("Conv", {"x", "wa"}, {"a"})
                           .Node("Conv", {"a", "wb"}, {"y"})
                           .Build();
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->tensors, 0);
  ASSERT_EQ(report->skipped.size(), 2u);
  EXPECT_NE(report->skipped[0].find("graph input 'x'"), std::string::npos) << report->skipped[0];
}

}  // namespace
}  // namespace berth::optimize
