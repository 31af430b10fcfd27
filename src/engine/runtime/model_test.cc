#include "engine/runtime/model.h"

#include <atomic>
#include <thread>

#include "engine/format/test_models.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::AddReluModel;
using testing::Serialize;

Tensor Input(std::vector<float> values) {
  Tensor t(DataType::kFloat, {static_cast<int64_t>(values.size() / 4), 4});
  for (size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
  return t;
}

TEST(ModelTest, LoadsInspectsAndRuns) {
  absl::StatusOr<std::unique_ptr<Model>> model =
      Model::LoadFromBytes(Serialize(AddReluModel()), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ((*model)->inputs().size(), 1u);
  EXPECT_EQ((*model)->inputs()[0].dims[0].symbol, "N");
  EXPECT_EQ((*model)->summary().op_counts.at("Add"), 1);
  EXPECT_EQ((*model)->summary().parameter_count, 4);
  Tensor x = Input({1, 2, 3, 4, -5, 0, 0, 5});
  std::vector<Tensor> out;
  ASSERT_TRUE((*model)->Run({&x}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  std::vector<float> want = {2, 1, 3.5, 1, 0, 0, 0.5, 2};
  ASSERT_EQ(out[0].num_elements(), 8);
  for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(out[0].data<float>()[i], want[i]) << i;
}

TEST(ModelTest, RefusesBadInputWithNames) {
  auto model = Model::LoadFromBytes(Serialize(AddReluModel()), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  Tensor wrong(DataType::kFloat, {2, 5});
  std::vector<Tensor> out;
  absl::Status st = (*model)->Run({&wrong}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'x'"), std::string::npos);
}

TEST(ModelTest, RefusesNewerOpsetByName) {
  absl::Status st = Model::LoadFromBytes(Serialize(AddReluModel(22)), ModelOptions()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("opset 22"), std::string::npos);
}

TEST(ModelTest, RefusesGarbageAndEmptyBytes) {
  EXPECT_FALSE(Model::LoadFromBytes("", ModelOptions()).ok());
  EXPECT_FALSE(Model::LoadFromBytes("this is not a model", ModelOptions()).ok());
  std::string bytes = Serialize(AddReluModel());
  EXPECT_FALSE(Model::LoadFromBytes(bytes.substr(0, bytes.size() / 2), ModelOptions()).ok());
}

TEST(ModelTest, RefusesUnsupportedOperatorByName) {
  onnx::ModelProto m = AddReluModel();
  m.mutable_graph()->mutable_node(1)->set_op_type("NoSuchOp");
  absl::Status st = Model::LoadFromBytes(Serialize(m), ModelOptions()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("NoSuchOp"), std::string::npos);
}

TEST(ModelTest, RunsFromManyThreadsAtOnce) {
  auto model = Model::LoadFromBytes(Serialize(AddReluModel()), ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        float v = static_cast<float>(t * 1000 + i);
        Tensor x = Input({v, v, v, v});
        std::vector<Tensor> out;
        if (!(*model)->Run({&x}, &out).ok() || out[0].data<float>()[0] != v + 1) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace berth::engine
