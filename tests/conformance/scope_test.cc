#include "scope.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace berth::conformance {
namespace {

onnx::ValueInfoProto TensorInfo(const std::string& name, int32_t elem_type) {
  onnx::ValueInfoProto info;
  info.set_name(name);
  info.mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  return info;
}

// A model y = op(x) over float tensors, opset 17.
onnx::ModelProto SimpleModel(const std::string& op_type, const std::string& domain = "") {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto* g = model.mutable_graph();
  *g->add_input() = TensorInfo("x", onnx::TensorProto::FLOAT);
  *g->add_output() = TensorInfo("y", onnx::TensorProto::FLOAT);
  onnx::NodeProto* node = g->add_node();
  node->set_op_type(op_type);
  node->set_domain(domain);
  node->add_input("x");
  node->add_output("y");
  return model;
}

onnx::TensorProto BoolScalar(const std::string& name, bool value) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::BOOL);
  t.add_int32_data(value ? 1 : 0);
  return t;
}

onnx::TensorProto FloatScalar(const std::string& name, float value) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(&value), sizeof(value)));
  return t;
}

// Dropout(x, ratio, training_mode) with both extra inputs as graph inputs.
onnx::ModelProto TrainingDropout() {
  onnx::ModelProto model = SimpleModel("Dropout");
  onnx::GraphProto* g = model.mutable_graph();
  *g->add_input() = TensorInfo("r", onnx::TensorProto::FLOAT);
  *g->add_input() = TensorInfo("t", onnx::TensorProto::BOOL);
  g->mutable_node(0)->add_input("r");
  g->mutable_node(0)->add_input("t");
  return model;
}

TEST(CheckScopeTest, PlainModelIsInScope) {
  Decision d = CheckScope(SimpleModel("Relu"), {});
  EXPECT_EQ(d.outcome, Outcome::kPass);
  EXPECT_EQ(d.reason, "");
}

TEST(CheckScopeTest, SequenceOptionalMapIoAreOutOfScope) {
  onnx::ModelProto seq = SimpleModel("Identity");
  seq.mutable_graph()->mutable_input(0)->mutable_type()->mutable_sequence_type()
      ->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  Decision d = CheckScope(seq, {});
  EXPECT_EQ(d.outcome, Outcome::kOutOfScope);
  EXPECT_NE(d.reason.find("sequence graph input 'x'"), std::string::npos) << d.reason;

  onnx::ModelProto opt = SimpleModel("Identity");
  opt.mutable_graph()->mutable_output(0)->mutable_type()->mutable_optional_type()
      ->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  d = CheckScope(opt, {});
  EXPECT_EQ(d.outcome, Outcome::kOutOfScope);
  EXPECT_NE(d.reason.find("optional graph output 'y'"), std::string::npos) << d.reason;

  onnx::ModelProto map = SimpleModel("Identity");
  map.mutable_graph()->mutable_input(0)->mutable_type()->mutable_map_type()->set_key_type(7);
  EXPECT_EQ(CheckScope(map, {}).outcome, Outcome::kOutOfScope);
}

TEST(CheckScopeTest, TrainingDomainIsOutOfScope) {
  onnx::ModelProto by_node = SimpleModel("Gradient", "ai.onnx.preview.training");
  EXPECT_EQ(CheckScope(by_node, {}).outcome, Outcome::kOutOfScope);
  onnx::ModelProto by_opset = SimpleModel("Relu");
  auto* opset = by_opset.add_opset_import();
  opset->set_domain("ai.onnx.preview.training");
  opset->set_version(1);
  EXPECT_EQ(CheckScope(by_opset, {}).outcome, Outcome::kOutOfScope);
}

TEST(CheckScopeTest, RandomOpsAreOutOfScope) {
  for (const char* op : {"Bernoulli", "RandomNormal", "RandomNormalLike", "RandomUniform",
                         "RandomUniformLike", "Multinomial"}) {
    Decision d = CheckScope(SimpleModel(op), {});
    EXPECT_EQ(d.outcome, Outcome::kOutOfScope) << op;
    EXPECT_NE(d.reason.find(op), std::string::npos) << d.reason;
  }
  // Same names in another domain are not ONNX's random ops.
  EXPECT_EQ(CheckScope(SimpleModel("RandomNormal", "com.example"), {}).outcome, Outcome::kPass);
}

TEST(CheckScopeTest, RandomOpInsideSubgraphIsOutOfScope) {
  onnx::ModelProto model = SimpleModel("If");
  onnx::AttributeProto* attr = model.mutable_graph()->mutable_node(0)->add_attribute();
  attr->set_name("then_branch");
  attr->set_type(onnx::AttributeProto::GRAPH);
  onnx::NodeProto* inner = attr->mutable_g()->add_node();
  inner->set_op_type("RandomUniform");
  inner->add_output("z");
  EXPECT_EQ(CheckScope(model, {}).outcome, Outcome::kOutOfScope);
}

TEST(CheckScopeTest, InferenceDropoutIsInScope) {
  EXPECT_EQ(CheckScope(SimpleModel("Dropout"), {}).outcome, Outcome::kPass);
  std::map<std::string, onnx::TensorProto> feeds = {{"r", FloatScalar("r", 0.5f)},
                                                     {"t", BoolScalar("t", false)}};
  EXPECT_EQ(CheckScope(TrainingDropout(), feeds).outcome, Outcome::kPass);
}

TEST(CheckScopeTest, TrainingDropoutIsOutOfScopeUnlessRatioIsZero) {
  std::map<std::string, onnx::TensorProto> feeds = {{"r", FloatScalar("r", 0.5f)},
                                                     {"t", BoolScalar("t", true)}};
  Decision d = CheckScope(TrainingDropout(), feeds);
  EXPECT_EQ(d.outcome, Outcome::kOutOfScope);
  EXPECT_NE(d.reason.find("Dropout"), std::string::npos) << d.reason;
  feeds["r"] = FloatScalar("r", 0.0f);
  EXPECT_EQ(CheckScope(TrainingDropout(), feeds).outcome, Outcome::kPass);
  // Unknown training_mode: assume the worst.
  EXPECT_EQ(CheckScope(TrainingDropout(), {}).outcome, Outcome::kOutOfScope);
}

TEST(CheckScopeTest, TrainingModeFromInitializerOrConstant) {
  onnx::ModelProto init = TrainingDropout();
  *init.mutable_graph()->add_initializer() = BoolScalar("t", true);
  EXPECT_EQ(CheckScope(init, {{"r", FloatScalar("r", 0.3f)}}).outcome, Outcome::kOutOfScope);

  onnx::ModelProto constant = TrainingDropout();
  onnx::NodeProto* c = constant.mutable_graph()->add_node();
  c->set_op_type("Constant");
  c->add_output("t");
  onnx::AttributeProto* value = c->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  *value->mutable_t() = BoolScalar("", false);
  EXPECT_EQ(CheckScope(constant, {{"r", FloatScalar("r", 0.3f)}}).outcome, Outcome::kPass);
}

TEST(CheckScopeTest, UnknownElementTypeIsUnsupported) {
  onnx::ModelProto model = SimpleModel("Cast");
  model.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      17);  // FLOAT8E4M3FN
  Decision d = CheckScope(model, {});
  EXPECT_EQ(d.outcome, Outcome::kUnsupported);
  EXPECT_NE(d.reason.find("'y'"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("FLOAT8E4M3FN"), std::string::npos) << d.reason;
}

TEST(NonDefaultDomainsTest, ListsOtherDomains) {
  EXPECT_TRUE(NonDefaultDomains(SimpleModel("Relu")).empty());
  EXPECT_TRUE(NonDefaultDomains(SimpleModel("Relu", "ai.onnx")).empty());
  EXPECT_EQ(NonDefaultDomains(SimpleModel("LinearClassifier", "ai.onnx.ml")),
            std::set<std::string>{"ai.onnx.ml"});
}

TEST(ClassifyLoadErrorTest, UnimplementedOrOtherDomainIsUnsupported) {
  EXPECT_EQ(ClassifyLoadError(absl::UnimplementedError("operator Foo"), {}),
            Outcome::kUnsupported);
  EXPECT_EQ(ClassifyLoadError(absl::InvalidArgumentError("bad"), {"ai.onnx.ml"}),
            Outcome::kUnsupported);
  EXPECT_EQ(ClassifyLoadError(absl::InvalidArgumentError("bad"), {}), Outcome::kFail);
  EXPECT_EQ(ClassifyLoadError(absl::InternalError("oops"), {}), Outcome::kFail);
}

TEST(OutcomeNameTest, Names) {
  EXPECT_STREQ(OutcomeName(Outcome::kPass), "pass");
  EXPECT_STREQ(OutcomeName(Outcome::kFail), "fail");
  EXPECT_STREQ(OutcomeName(Outcome::kUnsupported), "unsupported");
  EXPECT_STREQ(OutcomeName(Outcome::kOutOfScope), "out-of-scope");
  EXPECT_STREQ(OutcomeName(Outcome::kCrash), "crash");
}

}  // namespace
}  // namespace berth::conformance
