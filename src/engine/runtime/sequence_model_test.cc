// Models whose sequences of tensors flow inside the graph: they run, and the plan refuses at
// load the sequences it cannot give to a kernel (naming the node and the value).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/format/test_models.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::AddValueInfo;
using testing::Serialize;

onnx::ModelProto EmptyModel(int opset = 12) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("sequences");
  return m;
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op,
                         const std::vector<std::string>& in, const std::string& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + out);
  for (const std::string& name : in) n->add_input(name);
  n->add_output(out);
  return n;
}

void SetIntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// x [2], y [2], pos (int64 scalar) -> ConcatFromSequence(SequenceInsert([x, y], x + 1, pos)).
onnx::ModelProto InsertConcatModel() {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {2});
  AddValueInfo(g->mutable_input(), "y", {2});
  AddValueInfo(g->mutable_input(), "pos", {}, onnx::TensorProto::INT64);
  AddValueInfo(g->mutable_output(), "out", {-1});
  onnx::TensorProto* one = g->add_initializer();
  one->set_name("one");
  one->set_data_type(onnx::TensorProto::FLOAT);
  one->add_float_data(1);
  AddNode(g, "SequenceConstruct", {"x", "y"}, "seq");
  AddNode(g, "Add", {"x", "one"}, "x1");
  AddNode(g, "SequenceInsert", {"seq", "x1", "pos"}, "seq2");
  SetIntAttr(AddNode(g, "ConcatFromSequence", {"seq2"}, "out"), "axis", 0);
  return m;
}

Tensor Floats(std::vector<float> v) {
  Tensor t(DataType::kFloat, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = v[i];
  return t;
}

Tensor Int64Scalar(int64_t v) {
  Tensor t(DataType::kInt64, {});
  t.data<int64_t>()[0] = v;
  return t;
}

std::vector<float> Values(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.num_elements());
}

absl::Status LoadStatus(const onnx::ModelProto& m) {
  return Model::LoadFromBytes(Serialize(m), ModelOptions()).status();
}

void ExpectMessageHas(const absl::Status& st, const std::vector<std::string>& pieces) {
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  for (const std::string& piece : pieces) {
    EXPECT_NE(st.message().find(piece), std::string::npos)
        << "'" << piece << "' is not in: " << st.message();
  }
}

TEST(SequenceModelTest, RunsInsertAndConcat) {
  auto model = Model::LoadFromBytes(Serialize(InsertConcatModel()), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  Tensor x = Floats({1, 2}), y = Floats({5, 6});
  std::vector<Tensor> out;
  for (auto [pos, want] : std::vector<std::pair<int64_t, std::vector<float>>>{
           {0, {2, 3, 1, 2, 5, 6}}, {-1, {1, 2, 2, 3, 5, 6}}, {2, {1, 2, 5, 6, 2, 3}}}) {
    Tensor p = Int64Scalar(pos);
    ASSERT_TRUE((*model)->Run({&x, &y, &p}, &out).ok());
    EXPECT_EQ(Values(out[0]), want) << "position " << pos;
  }
  Tensor bad = Int64Scalar(3);
  absl::Status st = (*model)->Run({&x, &y, &bad}, &out);
  ExpectMessageHas(st, {"SequenceInsert node", "position 3", "length 2"});
}

TEST(SequenceModelTest, RunsFromManyThreadsAtOnce) {
  auto model = Model::LoadFromBytes(Serialize(InsertConcatModel()), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        float v = static_cast<float>(t * 1000 + i);
        Tensor x = Floats({v, v}), y = Floats({-v, -v});
        Tensor p = Int64Scalar(i % 3);
        std::vector<Tensor> out;
        if (!(*model)->Run({&x, &y, &p}, &out).ok() || out[0].num_elements() != 6) {
          ++failures;
          continue;
        }
        // x + 1 lands at position i % 3 of [x, y].
        if (out[0].data<float>()[2 * (i % 3)] != v + 1) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SequenceModelTest, SplitToSequenceOfAConstantIsNotFolded) {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {1});
  AddValueInfo(g->mutable_output(), "len", {}, onnx::TensorProto::INT64);
  AddValueInfo(g->mutable_output(), "sum", {1});
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(3);
  for (float v : {1.0f, 2.0f, 3.0f}) w->add_float_data(v);
  AddNode(g, "SplitToSequence", {"w"}, "parts");
  AddNode(g, "SequenceLength", {"parts"}, "len");
  AddNode(g, "SequenceAt", {"parts", "idx"}, "last");
  onnx::TensorProto* idx = g->add_initializer();
  idx->set_name("idx");
  idx->set_data_type(onnx::TensorProto::INT32);
  idx->add_int32_data(-1);
  AddNode(g, "Add", {"x", "last"}, "sum");
  auto model = Model::LoadFromBytes(Serialize(m), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  Tensor x = Floats({10});
  std::vector<Tensor> out;
  ASSERT_TRUE((*model)->Run({&x}, &out).ok());
  EXPECT_EQ(out[0].data<int64_t>()[0], 3);
  EXPECT_EQ(Values(out[1]), std::vector<float>{13});
}

TEST(SequenceModelTest, SequenceIntoATensorOperatorIsRefusedAtLoad) {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {2});
  AddValueInfo(g->mutable_output(), "y", {2});
  AddNode(g, "SequenceConstruct", {"x"}, "seq");
  AddNode(g, "Relu", {"seq"}, "y");
  ExpectMessageHas(LoadStatus(m), {"Relu node 'Relu_y'", "input 0 ('seq')", "sequence",
                                   "Relu does not accept"});
}

TEST(SequenceModelTest, TensorIntoASequenceInputIsRefusedAtLoad) {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {2});
  AddValueInfo(g->mutable_output(), "n", {}, onnx::TensorProto::INT64);
  AddNode(g, "SequenceLength", {"x"}, "n");
  ExpectMessageHas(LoadStatus(m), {"SequenceLength node 'SequenceLength_n'", "input 0 ('x')",
                                   "must be a sequence"});
}

TEST(SequenceModelTest, SequenceAsGraphOutputIsRefusedAtLoad) {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {2});
  AddValueInfo(g->mutable_output(), "seq", {2});  // declared as a tensor
  AddNode(g, "SequenceConstruct", {"x"}, "seq");
  ExpectMessageHas(LoadStatus(m), {"graph output 'seq'", "sequence"});
}

TEST(SequenceModelTest, SequenceReadInsideASubgraphIsRefusedAtLoad) {
  onnx::ModelProto m = EmptyModel();
  onnx::GraphProto* g = m.mutable_graph();
  AddValueInfo(g->mutable_input(), "x", {2});
  AddValueInfo(g->mutable_input(), "cond", {}, onnx::TensorProto::BOOL);
  AddValueInfo(g->mutable_input(), "pos", {}, onnx::TensorProto::INT64);
  AddValueInfo(g->mutable_output(), "y", {2});
  AddNode(g, "SequenceConstruct", {"x"}, "seq");
  onnx::NodeProto* branch = AddNode(g, "If", {"cond"}, "y");
  for (const char* name : {"then_branch", "else_branch"}) {
    onnx::AttributeProto* a = branch->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* body = a->mutable_g();
    body->set_name(name);
    AddValueInfo(body->mutable_output(), std::string(name) + "_out", {2});
    AddNode(body, "SequenceAt", {"seq", "pos"}, std::string(name) + "_out");
  }
  ExpectMessageHas(LoadStatus(m), {"If node 'If_y'", "subgraph", "sequence 'seq'"});
}

}  // namespace
}  // namespace berth::engine
