#include "engine/format/tensor_proto.h"

#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace berth::engine {
namespace {

TEST(TensorProtoTest, RoundTripsRawData) {
  Tensor t(DataType::kInt64, {2, 2});
  for (int i = 0; i < 4; ++i) t.data<int64_t>()[i] = i * 10 - 5;
  absl::StatusOr<std::string> bytes = TensorToProtoBytes(t, "v");
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<Tensor> back = TensorFromProtoBytes(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->dtype(), DataType::kInt64);
  EXPECT_EQ(ShapeToString(back->shape()), "[2,2]");
  EXPECT_EQ(back->data<int64_t>()[3], 25);
}

TEST(TensorProtoTest, ReadsTypedFieldsIncludingHalfBits) {
  onnx::TensorProto p;
  p.set_name("h");
  p.set_data_type(onnx::TensorProto::FLOAT16);
  p.add_dims(2);
  p.add_int32_data(Float16(1.5f).bits);
  p.add_int32_data(Float16(-2.0f).bits);
  absl::StatusOr<Tensor> t = TensorFromProto(p);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(static_cast<float>(t->data<Float16>()[0]), 1.5f);
  EXPECT_EQ(static_cast<float>(t->data<Float16>()[1]), -2.0f);
}

TEST(TensorProtoTest, RoundTripsStrings) {
  Tensor t(DataType::kString, {2});
  t.strings() = {"a", "bc"};
  absl::StatusOr<Tensor> back = TensorFromProtoBytes(*TensorToProtoBytes(t, "s"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->strings(), t.strings());
}

TEST(TensorProtoTest, RefusesMismatchedDataNamingTheTensor) {
  onnx::TensorProto p;
  p.set_name("weights");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(3);
  p.set_raw_data(std::string(8, '\0'));
  absl::Status st = TensorFromProto(p).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("weights"), std::string::npos);
  p.clear_raw_data();
  p.add_float_data(1);
  EXPECT_FALSE(TensorFromProto(p).ok());
  p.set_data_type(17);  // FLOAT8E4M3FN, newer than this ONNX release
  EXPECT_EQ(TensorFromProto(p).status().code(), absl::StatusCode::kUnimplemented);
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(-2);
  EXPECT_FALSE(TensorFromProto(p).ok());
}

// Found by the model loader's fuzzer: dims promising far more than the payload holds are
// refused before anything is allocated (a string tensor used to size itself first and throw).
TEST(TensorProtoTest, RefusesHugeDimsOverASmallPayloadBeforeAllocating) {
  onnx::TensorProto p;
  p.set_name("s");
  p.set_data_type(onnx::TensorProto::STRING);
  p.add_dims(int64_t{1} << 40);
  p.add_string_data("a");
  absl::Status st = TensorFromProto(p).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("string_data has 1 values"), std::string::npos) << st;
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.clear_string_data();
  p.set_raw_data(std::string(4, '\0'));
  st = TensorFromProto(p).status();
  EXPECT_NE(st.message().find("raw_data has 4 bytes"), std::string::npos) << st;
}

TEST(TensorProtoTest, RefusesGarbageBytes) {
  EXPECT_FALSE(TensorFromProtoBytes("\xff\xff\xff\xff garbage").ok());
}

}  // namespace
}  // namespace berth::engine
