#include "engine/format/onnx_loader.h"

#include "engine/format/test_models.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::AddReluModel;
using testing::Serialize;

TEST(OnnxLoaderTest, ConvertsGraphInputsOutputsAndInitializers) {
  absl::StatusOr<ModelGraph> m = ParseOnnxModel(Serialize(AddReluModel()), "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->opsets.at(""), 13);
  ASSERT_EQ(m->graph.inputs.size(), 1u);
  EXPECT_EQ(m->graph.inputs[0].dims[0].symbol, "N");
  EXPECT_EQ(m->graph.inputs[0].dims[1].value, 4);
  EXPECT_EQ(m->graph.initializers.count("b"), 1u);
  ASSERT_EQ(m->graph.nodes.size(), 2u);
}

TEST(OnnxLoaderTest, SortsNodesGivenOutOfOrder) {
  onnx::ModelProto proto = AddReluModel();
  proto.mutable_graph()->mutable_node()->SwapElements(0, 1);
  absl::StatusOr<ModelGraph> m = ParseOnnxModel(Serialize(proto), "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->graph.nodes[0].op_type, "Add");
}

TEST(OnnxLoaderTest, RefusesACycle) {
  onnx::ModelProto proto = AddReluModel();
  proto.mutable_graph()->mutable_node(0)->set_input(0, "y");  // Add reads Relu's output
  absl::Status st = ParseOnnxModel(Serialize(proto), "").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("cycle"), std::string::npos);
}

TEST(OnnxLoaderTest, RefusesAMissingInitializerOrUndefinedValue) {
  onnx::ModelProto proto = AddReluModel();
  proto.mutable_graph()->clear_initializer();
  absl::Status st = ParseOnnxModel(Serialize(proto), "").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'b'"), std::string::npos);
}

TEST(OnnxLoaderTest, RefusesAnOutputNeverProduced) {
  onnx::ModelProto proto = AddReluModel();
  proto.mutable_graph()->mutable_output(0)->set_name("nothing");
  EXPECT_FALSE(ParseOnnxModel(Serialize(proto), "").ok());
}

TEST(OnnxLoaderTest, RefusesOldIrAndNewOpsets) {
  onnx::ModelProto proto = AddReluModel();
  proto.set_ir_version(2);
  EXPECT_EQ(ParseOnnxModel(Serialize(proto), "").status().code(),
            absl::StatusCode::kUnimplemented);
  absl::Status st = ParseOnnxModel(Serialize(AddReluModel(22)), "").status();
  EXPECT_NE(st.message().find("opset 22"), std::string::npos);
}

TEST(OnnxLoaderTest, RefusesSequenceInputs) {
  onnx::ModelProto proto = AddReluModel();
  auto* in = proto.mutable_graph()->mutable_input(0);
  in->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()
      ->set_elem_type(1);
  absl::Status st = ParseOnnxModel(Serialize(proto), "").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("sequence"), std::string::npos);
}

TEST(OnnxLoaderTest, RefusesNonModels) {
  EXPECT_FALSE(ParseOnnxModel("", "").ok());
  EXPECT_FALSE(ParseOnnxModel("plain text, not protobuf", "").ok());
  std::string bytes = Serialize(AddReluModel());
  EXPECT_FALSE(ParseOnnxModel(bytes.substr(0, bytes.size() - 7), "").ok());
}

}  // namespace
}  // namespace berth::engine
