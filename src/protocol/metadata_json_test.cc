#include "protocol/metadata_json.h"

#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

engine::ValueInfo Tensor(const std::string& name, engine::DataType type,
                         std::vector<engine::Dim> dims, bool has_shape = true) {
  engine::ValueInfo v;
  v.name = name;
  v.dtype = type;
  v.dims = std::move(dims);
  v.has_shape = has_shape;
  return v;
}

TEST(MetadataJsonTest, ServerMetadata) {
  EXPECT_EQ(ServerMetadataJson("berth", "0.1.0", {"binary_tensor_data", "model_repository"}),
            R"({"name":"berth","version":"0.1.0",)"
            R"("extensions":["binary_tensor_data","model_repository"]})");
}

TEST(MetadataJsonTest, ModelMetadataWithSymbolicAndUnknownDims) {
  ModelMetadata m;
  m.name = "resnet";
  m.versions = {1, 3};
  m.platform = "berth_onnx";
  m.inputs.push_back(Tensor("image", engine::DataType::kFloat,
                            {{-1, "N"}, {3, ""}, {224, ""}, {224, ""}}));
  m.inputs.push_back(Tensor("any", engine::DataType::kInt64, {}, /*has_shape=*/false));
  m.outputs.push_back(Tensor("logits", engine::DataType::kFloat, {{-1, "N"}, {1000, ""}}));
  absl::StatusOr<std::string> json = ModelMetadataJson(m);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            R"({"name":"resnet","versions":["1","3"],"platform":"berth_onnx","inputs":[)"
            R"({"name":"image","datatype":"FP32","shape":[-1,3,224,224]},)"
            R"({"name":"any","datatype":"INT64","shape":[-1]}],)"
            R"("outputs":[{"name":"logits","datatype":"FP32","shape":[-1,1000]}]})");
  m.outputs.push_back(Tensor("odd", engine::DataType::kUndefined, {}));
  absl::Status st = ModelMetadataJson(m).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("tensor 'odd'"), std::string::npos) << st;
}

TEST(MetadataJsonTest, RepositoryIndex) {
  EXPECT_EQ(RepositoryIndexJson({{"a", 1, "READY", ""}, {"a", 2, "FAILED", "bad \"file\""}}),
            R"([{"name":"a","version":"1","state":"READY"},)"
            R"({"name":"a","version":"2","state":"FAILED","reason":"bad \"file\""}])");
  EXPECT_EQ(RepositoryIndexJson({}), "[]");
}

}  // namespace
}  // namespace berth::protocol
