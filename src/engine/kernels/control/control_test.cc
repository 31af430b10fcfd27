// If, Loop and Scan through the whole runtime (subgraphs need the plan builder).
#include "engine/format/test_models.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::AddValueInfo;

onnx::ModelProto Wrap(onnx::GraphProto graph, int opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  *m.mutable_graph() = std::move(graph);
  return m;
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op,
                         std::vector<std::string> in, std::vector<std::string> out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + out[0]);
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

std::vector<Tensor> RunModel(const onnx::ModelProto& m, const std::vector<const Tensor*>& in) {
  auto model = Model::LoadFromBytes(testing::Serialize(m), ModelOptions());
  EXPECT_TRUE(model.ok()) << model.status();
  std::vector<Tensor> out;
  if (!model.ok()) return out;
  absl::Status st = (*model)->Run(in, &out);
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

// y = cond ? x + x : x * x, where the branches read x from the enclosing graph.
TEST(ControlFlowTest, IfPicksABranchReadingOuterValues) {
  onnx::GraphProto g;
  AddValueInfo(g.mutable_input(), "cond", {}, onnx::TensorProto::BOOL);
  AddValueInfo(g.mutable_input(), "x", {2});
  AddValueInfo(g.mutable_output(), "y", {2});
  onnx::NodeProto* node = AddNode(&g, "If", {"cond"}, {"y"});
  auto* then_attr = node->add_attribute();
  then_attr->set_name("then_branch");
  then_attr->set_type(onnx::AttributeProto::GRAPH);
  AddNode(then_attr->mutable_g(), "Add", {"x", "x"}, {"t"});
  AddValueInfo(then_attr->mutable_g()->mutable_output(), "t", {2});
  auto* else_attr = node->add_attribute();
  else_attr->set_name("else_branch");
  else_attr->set_type(onnx::AttributeProto::GRAPH);
  AddNode(else_attr->mutable_g(), "Mul", {"x", "x"}, {"e"});
  AddValueInfo(else_attr->mutable_g()->mutable_output(), "e", {2});
  onnx::ModelProto m = Wrap(g, 13);

  Tensor x(DataType::kFloat, {2});
  x.data<float>()[0] = 3;
  x.data<float>()[1] = -1;
  Tensor cond(DataType::kBool, {});
  cond.data<bool>()[0] = true;
  std::vector<Tensor> out = RunModel(m, {&cond, &x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data<float>()[0], 6);
  cond.data<bool>()[0] = false;
  out = RunModel(m, {&cond, &x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data<float>()[0], 9);
  EXPECT_EQ(out[0].data<float>()[1], 1);
}

// Loop M times: acc += x; also emits acc at every step as a scan output.
TEST(ControlFlowTest, LoopCarriesStateAndStacksScanOutputs) {
  onnx::GraphProto g;
  AddValueInfo(g.mutable_input(), "m", {}, onnx::TensorProto::INT64);
  AddValueInfo(g.mutable_input(), "x", {2});
  AddValueInfo(g.mutable_input(), "acc0", {2});
  AddValueInfo(g.mutable_output(), "acc", {2});
  AddValueInfo(g.mutable_output(), "history", {-1, 2});
  onnx::NodeProto* node = AddNode(&g, "Loop", {"m", "", "acc0"}, {"acc", "history"});
  auto* body_attr = node->add_attribute();
  body_attr->set_name("body");
  body_attr->set_type(onnx::AttributeProto::GRAPH);
  onnx::GraphProto* body = body_attr->mutable_g();
  AddValueInfo(body->mutable_input(), "i", {}, onnx::TensorProto::INT64);
  AddValueInfo(body->mutable_input(), "c_in", {}, onnx::TensorProto::BOOL);
  AddValueInfo(body->mutable_input(), "acc_in", {2});
  AddNode(body, "Add", {"acc_in", "x"}, {"acc_out"});
  AddNode(body, "Not", {"c_in"}, {"not_c"});
  AddNode(body, "Not", {"not_c"}, {"c_out"});
  AddValueInfo(body->mutable_output(), "c_out", {}, onnx::TensorProto::BOOL);
  AddValueInfo(body->mutable_output(), "acc_out", {2});
  AddNode(body, "Identity", {"acc_out"}, {"snap"});
  AddValueInfo(body->mutable_output(), "snap", {2});
  onnx::ModelProto m = Wrap(g, 13);

  Tensor trips(DataType::kInt64, {});
  trips.data<int64_t>()[0] = 3;
  Tensor x(DataType::kFloat, {2});
  x.data<float>()[0] = 1;
  x.data<float>()[1] = 2;
  Tensor acc0(DataType::kFloat, {2});
  std::vector<Tensor> out = RunModel(m, {&trips, &x, &acc0});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data<float>()[0], 3);
  EXPECT_EQ(out[0].data<float>()[1], 6);
  EXPECT_EQ(ShapeToString(out[1].shape()), "[3,2]");
  EXPECT_EQ(out[1].data<float>()[2], 2);  // after the second step
}

// Scan-9 cumulative sum over axis 0 of a [3,2] input.
TEST(ControlFlowTest, ScanAccumulatesOverSlices) {
  onnx::GraphProto g;
  AddValueInfo(g.mutable_input(), "init", {2});
  AddValueInfo(g.mutable_input(), "xs", {3, 2});
  AddValueInfo(g.mutable_output(), "total", {2});
  AddValueInfo(g.mutable_output(), "partial", {3, 2});
  onnx::NodeProto* node = AddNode(&g, "Scan", {"init", "xs"}, {"total", "partial"});
  auto* n_attr = node->add_attribute();
  n_attr->set_name("num_scan_inputs");
  n_attr->set_type(onnx::AttributeProto::INT);
  n_attr->set_i(1);
  auto* body_attr = node->add_attribute();
  body_attr->set_name("body");
  body_attr->set_type(onnx::AttributeProto::GRAPH);
  onnx::GraphProto* body = body_attr->mutable_g();
  AddValueInfo(body->mutable_input(), "s_in", {2});
  AddValueInfo(body->mutable_input(), "x", {2});
  AddNode(body, "Add", {"s_in", "x"}, {"s_out"});
  AddNode(body, "Identity", {"s_out"}, {"p"});
  AddValueInfo(body->mutable_output(), "s_out", {2});
  AddValueInfo(body->mutable_output(), "p", {2});
  onnx::ModelProto m = Wrap(g, 11);

  Tensor init(DataType::kFloat, {2});
  Tensor xs(DataType::kFloat, {3, 2});
  for (int i = 0; i < 6; ++i) xs.data<float>()[i] = static_cast<float>(i + 1);
  std::vector<Tensor> out = RunModel(m, {&init, &xs});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data<float>()[0], 9);   // 1 + 3 + 5
  EXPECT_EQ(out[0].data<float>()[1], 12);  // 2 + 4 + 6
  EXPECT_EQ(out[1].data<float>()[2], 4);   // 1 + 3
}

TEST(ControlFlowTest, BranchReadingAnUndefinedOuterValueIsRefused) {
  onnx::GraphProto g;
  AddValueInfo(g.mutable_input(), "cond", {}, onnx::TensorProto::BOOL);
  AddValueInfo(g.mutable_output(), "y", {2});
  onnx::NodeProto* node = AddNode(&g, "If", {"cond"}, {"y"});
  for (const char* name : {"then_branch", "else_branch"}) {
    auto* attr = node->add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::GRAPH);
    AddNode(attr->mutable_g(), "Neg", {"nowhere"}, {"o"});
    AddValueInfo(attr->mutable_g()->mutable_output(), "o", {2});
  }
  absl::Status st = Model::LoadFromBytes(testing::Serialize(Wrap(g, 13)), ModelOptions()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("nowhere"), std::string::npos);
}

}  // namespace
}  // namespace berth::engine
