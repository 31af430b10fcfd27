#include "server/grpc/grpc_codec.h"

#include <cstring>

#include "gtest/gtest.h"

namespace berth::server {
namespace {

using engine::DataType;
using Request = inference::ModelInferRequest;

Request::InferInputTensor* AddInput(Request& r, const std::string& name, const std::string& type,
                                    std::vector<int64_t> shape) {
  auto* in = r.add_inputs();
  in->set_name(name);
  in->set_datatype(type);
  for (int64_t d : shape) in->add_shape(d);
  return in;
}

absl::Status DecodeError(const Request& r) {
  return DecodeInferRequest(r, protocol::RequestLimits()).status();
}

TEST(GrpcCodecTest, TypedContentsOfEachKind) {
  Request r;
  r.set_id("7");
  AddInput(r, "f", "FP32", {2})->mutable_contents()->add_fp32_contents(1.5f);
  r.mutable_inputs(0)->mutable_contents()->add_fp32_contents(-2.f);
  AddInput(r, "i8", "INT8", {1})->mutable_contents()->add_int_contents(-128);
  AddInput(r, "i64", "INT64", {1})->mutable_contents()->add_int64_contents(int64_t{1} << 40);
  AddInput(r, "u16", "UINT16", {1})->mutable_contents()->add_uint_contents(65535);
  AddInput(r, "b", "BOOL", {1})->mutable_contents()->add_bool_contents(true);
  AddInput(r, "d", "FP64", {1})->mutable_contents()->add_fp64_contents(0.25);
  AddInput(r, "s", "BYTES", {1})->mutable_contents()->add_bytes_contents("hi");
  (*r.mutable_parameters())["timeout"].set_int64_param(5000);
  r.add_outputs()->set_name("y");
  absl::StatusOr<protocol::InferRequest> got = DecodeInferRequest(r, protocol::RequestLimits());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, "7");
  ASSERT_EQ(got->inputs.size(), 7u);
  EXPECT_EQ(got->inputs[0].tensor.data<float>()[1], -2.f);
  EXPECT_EQ(got->inputs[1].tensor.data<int8_t>()[0], -128);
  EXPECT_EQ(got->inputs[2].tensor.data<int64_t>()[0], int64_t{1} << 40);
  EXPECT_EQ(got->inputs[3].tensor.data<uint16_t>()[0], 65535);
  EXPECT_TRUE(got->inputs[4].tensor.data<bool>()[0]);
  EXPECT_EQ(got->inputs[5].tensor.data<double>()[0], 0.25);
  EXPECT_EQ(got->inputs[6].tensor.strings()[0], "hi");
  EXPECT_EQ(got->timeout_us, 5000);
  ASSERT_EQ(got->outputs.size(), 1u);
  EXPECT_EQ(got->outputs[0].name, "y");
}

TEST(GrpcCodecTest, RawContentsIncludingHalfAndBytes) {
  Request r;
  AddInput(r, "x", "FP32", {2});
  AddInput(r, "h", "FP16", {1});
  AddInput(r, "s", "BYTES", {2});
  const float x[2] = {3.f, 4.f};
  r.add_raw_input_contents(std::string(reinterpret_cast<const char*>(x), sizeof(x)));
  r.add_raw_input_contents(std::string("\x00\x3c", 2));  // 1.0 in half precision
  r.add_raw_input_contents(
      std::string("\x01\x00\x00\x00"
                  "a"
                  "\x00\x00\x00\x00",
                  9));
  absl::StatusOr<protocol::InferRequest> got = DecodeInferRequest(r, protocol::RequestLimits());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->inputs[0].tensor.data<float>()[1], 4.f);
  EXPECT_EQ(got->inputs[1].tensor.dtype(), DataType::kFloat16);
  EXPECT_EQ(got->inputs[2].tensor.strings()[0], "a");
  EXPECT_EQ(got->inputs[2].tensor.strings()[1], "");
}

struct ErrorCase {
  const char* words;
  std::function<void(Request&)> make;
};

TEST(GrpcCodecTest, EveryRefusalNamesTheInput) {
  const ErrorCase cases[] = {
      {"'x': unknown", [](Request& r) { AddInput(r, "x", "FLOAT", {1}); }},
      {"'x'", [](Request& r) { AddInput(r, "x", "FP32", {-1}); }},
      {"'x'",
       [](Request& r) {
         AddInput(r, "x", "FP32", {int64_t{1} << 40, int64_t{1} << 40});
       }},
      {"'x': fp32_contents holds 1 values but the shape has 2",
       [](Request& r) { AddInput(r, "x", "FP32", {2})->mutable_contents()->add_fp32_contents(1); }},
      {"'x': has values in a contents field other than the one of FP32",
       [](Request& r) {
         auto* in = AddInput(r, "x", "FP32", {1});
         in->mutable_contents()->add_fp32_contents(1);
         in->mutable_contents()->add_int_contents(1);
       }},
      {"'x': int_contents value 0 (300) is out of the range",
       [](Request& r) {
         AddInput(r, "x", "INT8", {1})->mutable_contents()->add_int_contents(300);
       }},
      {"'h': FP16 and BF16 have no typed contents",
       [](Request& r) { AddInput(r, "h", "FP16", {0}); }},
      {"'x': raw_input_contents of 3 bytes does not match the shape [1] (4 bytes)",
       [](Request& r) {
         AddInput(r, "x", "FP32", {1});
         r.add_raw_input_contents("abc");
       }},
      {"raw_input_contents has 1 entries for 2 inputs",
       [](Request& r) {
         AddInput(r, "x", "FP32", {1});
         AddInput(r, "y", "FP32", {1});
         r.add_raw_input_contents("abcd");
       }},
      {"'x' is given twice",
       [](Request& r) {
         AddInput(r, "x", "FP32", {0});
         AddInput(r, "x", "FP32", {0});
       }},
      {"'s': BYTES element 0 is cut short",
       [](Request& r) {
         AddInput(r, "s", "BYTES", {1});
         r.add_raw_input_contents(
             std::string("\x09\x00\x00\x00"
                         "ab",
                         6));
       }},
      {"'timeout' parameter",
       [](Request& r) { (*r.mutable_parameters())["timeout"].set_string_param("soon"); }},
  };
  for (const ErrorCase& c : cases) {
    Request r;
    c.make(r);
    absl::Status st = DecodeError(r);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.words << ": " << st;
    EXPECT_NE(st.message().find(c.words), std::string::npos) << c.words << " in: " << st;
  }
}

TEST(GrpcCodecTest, ResponsesAreRaw) {
  protocol::InferResponse response;
  response.model_name = "m";
  response.model_version = "3";
  response.id = "q";
  engine::Tensor y(DataType::kInt32, {2});
  y.data<int32_t>()[0] = 5;
  y.data<int32_t>()[1] = -1;
  response.outputs.push_back({"y", std::move(y), false});
  engine::Tensor s(DataType::kString, {1});
  s.strings()[0] = "ok";
  response.outputs.push_back({"s", std::move(s), false});
  inference::ModelInferResponse out;
  ASSERT_TRUE(EncodeInferResponse(response, &out).ok());
  EXPECT_EQ(out.model_version(), "3");
  ASSERT_EQ(out.outputs_size(), 2);
  EXPECT_EQ(out.outputs(0).datatype(), "INT32");
  EXPECT_EQ(out.outputs(1).datatype(), "BYTES");
  ASSERT_EQ(out.raw_output_contents_size(), 2);
  int32_t back[2];
  std::memcpy(back, out.raw_output_contents(0).data(), 8);
  EXPECT_EQ(back[1], -1);
  EXPECT_EQ(out.raw_output_contents(1), std::string("\x02\x00\x00\x00"
                                                    "ok",
                                                    6));
}

TEST(GrpcCodecTest, VersionFields) {
  EXPECT_TRUE(ParseVersionField("")->is_default());
  EXPECT_EQ(ParseVersionField("12")->number, 12);
  EXPECT_EQ(ParseVersionField("production")->alias, "production");
  EXPECT_FALSE(ParseVersionField("../1").ok());
  EXPECT_FALSE(ParseVersionField("0").ok());
}

}  // namespace
}  // namespace berth::server
