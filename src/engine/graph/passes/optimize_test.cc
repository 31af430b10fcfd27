#include "engine/graph/passes/optimize.h"

#include "engine/kernels/registry.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

Node MakeNode(const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.op_type = op;
  n.name = op + "_" + out[0];
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

ValueInfo Value(const std::string& name) {
  ValueInfo v;
  v.name = name;
  v.dtype = DataType::kFloat;
  return v;
}

TEST(OptimizeTest, IdentityIsBypassedButNotWhenItIsAGraphOutput) {
  Graph g;
  g.inputs = {Value("x")};
  g.nodes = {MakeNode("Identity", {"x"}, {"a"}), MakeNode("Relu", {"a"}, {"b"}),
             MakeNode("Identity", {"b"}, {"y"})};
  g.outputs = {Value("y")};
  EXPECT_EQ(RemoveIdentityNodes(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "Relu");
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.nodes[1].op_type, "Identity");
}

TEST(OptimizeTest, DeadNodesAndTheirInitializersGo) {
  Graph g;
  g.inputs = {Value("x")};
  g.initializers["w"] = std::make_shared<const Tensor>(DataType::kFloat, Shape{2});
  g.nodes = {MakeNode("Relu", {"x"}, {"y"}), MakeNode("Add", {"x", "w"}, {"unused"})};
  g.outputs = {Value("y")};
  EXPECT_EQ(RemoveDeadNodes(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_TRUE(g.initializers.empty());
}

TEST(OptimizeTest, IdentityReadBySubgraphIsKept) {
  auto body = std::make_shared<Graph>();
  body->outer_scope_names = {"a"};
  Graph g;
  g.inputs = {Value("x"), Value("cond")};
  Node branch = MakeNode("If", {"cond"}, {"y"});
  Attribute then_branch;
  then_branch.type = Attribute::Type::kGraph;
  then_branch.g = body;
  branch.attributes["then_branch"] = then_branch;
  g.nodes = {MakeNode("Identity", {"x"}, {"a"}), branch};
  g.outputs = {Value("y")};
  EXPECT_EQ(RemoveIdentityNodes(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);
}

TEST(OptimizeTest, BerthDomainIsImportedOnlyWhenUsed) {
  ModelGraph m;
  m.opsets[""] = 13;
  m.graph.inputs = {Value("x")};
  m.graph.nodes = {MakeNode("Relu", {"x"}, {"y"})};
  m.graph.outputs = {Value("y")};
  ASSERT_TRUE(OptimizeGraph(m, GlobalKernelRegistry()).ok());
  EXPECT_EQ(m.opsets.count("berth"), 0u);
}

TEST(OptimizeTest, SequenceOperatorsAreNotFolded) {
  // SequenceEmpty has no inputs and SequenceConstruct only constant ones, but their sequences
  // cannot become initializers; the Relu on a constant still folds.
  Graph g;
  g.initializers["w"] = std::make_shared<const Tensor>(DataType::kFloat, Shape{2});
  g.nodes = {MakeNode("SequenceEmpty", {}, {"empty"}),
             MakeNode("SequenceConstruct", {"w", "w"}, {"seq"}),
             MakeNode("Relu", {"w"}, {"r"})};
  std::map<std::string, int64_t> opsets = {{"", 13}};
  EXPECT_EQ(FoldConstants(g, opsets, GlobalKernelRegistry()), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "SequenceEmpty");
  EXPECT_EQ(g.nodes[1].op_type, "SequenceConstruct");
  EXPECT_EQ(g.initializers.count("seq"), 0u);
  EXPECT_EQ(g.initializers.count("r"), 1u);
}

}  // namespace
}  // namespace berth::engine
