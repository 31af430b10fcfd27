#include "protocol/json_codec.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

using engine::DataType;
using engine::Shape;
using engine::Tensor;

InferRequest Parse(const std::string& json, const std::string& binary = "") {
  absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, binary, RequestLimits());
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : InferRequest();
}

std::string Refused(const std::string& json, const std::string& binary = "",
                    RequestLimits limits = RequestLimits()) {
  absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, binary, limits);
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseInferRequestTest, JsonDataOfEveryKind) {
  InferRequest r = Parse(R"({
    "id": "req-1",
    "parameters": {"binary_data_output": true, "timeout": 2500},
    "inputs": [
      {"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [[1.5, -2], [0.25, 3]]},
      {"name": "ids", "datatype": "INT64", "shape": [3], "data": [1, -9007199254740993, 7]},
      {"name": "mask", "datatype": "BOOL", "shape": [2], "data": [true, false]},
      {"name": "words", "datatype": "BYTES", "shape": [2], "data": ["a\u00e9", ""]},
      {"name": "h", "datatype": "FP16", "shape": [1], "data": [0.5]}
    ],
    "outputs": [{"name": "y", "parameters": {"binary_data": false}}, {"name": "z"}]
  })");
  EXPECT_EQ(r.id, "req-1");
  EXPECT_TRUE(r.binary_outputs);
  EXPECT_EQ(r.timeout_us, 2500);
  ASSERT_EQ(r.inputs.size(), 5u);
  const Tensor& x = r.inputs[0].tensor;
  EXPECT_EQ(x.shape(), Shape({2, 2}));
  EXPECT_EQ(x.data<float>()[1], -2.f);
  EXPECT_EQ(x.data<float>()[2], 0.25f);
  EXPECT_EQ(r.inputs[1].tensor.data<int64_t>()[1], -9007199254740993);  // exact, not via double
  EXPECT_FALSE(r.inputs[2].tensor.data<bool>()[1]);
  EXPECT_EQ(r.inputs[3].tensor.strings()[0], "a\xc3\xa9");
  EXPECT_EQ(static_cast<float>(r.inputs[4].tensor.data<engine::Float16>()[0]), 0.5f);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[1].name, "z");
  EXPECT_FALSE(r.outputs[0].binary);
}

TEST(ParseInferRequestTest, BinaryInputsTakeTheirBytesInOrder) {
  const float x[] = {1.f, 2.f, 3.f};
  std::string binary(reinterpret_cast<const char*>(x), sizeof(x));
  binary += std::string("\x02\x00\x00\x00hi\x00\x00\x00\x00", 10);  // BYTES: "hi", ""
  InferRequest r = Parse(R"({"inputs": [
      {"name": "x", "datatype": "FP32", "shape": [3], "parameters": {"binary_data_size": 12}},
      {"name": "s", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": 10}}]})",
                         binary);
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_EQ(r.inputs[0].tensor.data<float>()[2], 3.f);
  EXPECT_EQ(r.inputs[1].tensor.strings()[0], "hi");
  EXPECT_EQ(r.inputs[1].tensor.strings()[1], "");
}

TEST(ParseInferRequestTest, RefusalsNameTheInputAndTheProblem) {
  const std::string x = R"({"name": "x", "datatype": "FP32", "shape": [2], "data": [1, 2]})";
  EXPECT_TRUE(Has(Refused("{\"inputs\": [" + x + "," + x + "]}"), "input 'x': is given twice"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [3],
                          "data": [1, 2]}]})"),
                  "input 'x': 'data' holds 2 elements, the shape [3] needs 3"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                          "data": [1, 2]}]})"),
                  "more elements than the shape"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "float", "shape": [1],
                          "data": [1]}]})"),
                  "input 'x': unknown datatype 'float'"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "INT8", "shape": [1],
                          "data": [300]}]})"),
                  "input 'x': element 0 is not an integer in the datatype's range"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                          "data": ["1"]}]})"),
                  "element 0 is not a number"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1],
                          "data": []}]})"),
                  "non-negative"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32",
                          "shape": [4294967296, 4294967296, 4294967296], "data": []}]})"),
                  "too many elements"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2],
                          "parameters": {"binary_data_size": 4}}]})",
                          std::string(4, '\0')),
                  "binary_data_size 4 does not match the shape [2] (8 bytes)"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2],
                          "parameters": {"binary_data_size": 8}}]})",
                          std::string(4, '\0')),
                  "more than the 4 bytes of binary data left"));
  // A large declared shape with little data is refused before anything that size exists.
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP64", "shape": [268435456],
                          "parameters": {"binary_data_size": 0}}]})"),
                  "(2147483648 bytes)"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP64", "shape": [268435456],
                          "data": [1]}]})"),
                  "'data' holds 1 elements"));
  EXPECT_TRUE(Has(Refused("{\"inputs\": [" + x + "]}", "xx"),
                  "2 bytes of binary data follow the inputs that no input claims"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"datatype": "FP32", "shape": [1], "data": [1]}]})"),
                  "inputs[0]: needs a 'name' string"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]})"),
                  "needs 'data' or the binary_data_size parameter"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [], "outputs": [{"name": "y"}, {"name": "y"}]})"),
                  "output 'y': is asked for twice"));
  EXPECT_TRUE(Has(Refused(R"({"id": 7, "inputs": []})"), "'id' must be a string"));
  EXPECT_TRUE(Has(Refused(R"({"inputs": [)"), "not valid JSON"));
  EXPECT_TRUE(Has(Refused(R"([1, 2])"), "must be a JSON object"));
  EXPECT_TRUE(Has(Refused(R"({"inputz": []})"), "needs an 'inputs' array"));
  EXPECT_TRUE(Has(Refused(std::string(100, '[') + std::string(100, ']')), "nests deeper than 32"));
  RequestLimits small;
  small.max_elements_per_input = 4;
  EXPECT_TRUE(Has(Refused(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [5],
                          "data": [1, 2, 3, 4, 5]}]})", "", small),
                  "5 elements, more than the 4 allowed"));
}

TEST(EncodeInferResponseTest, JsonAndBinaryOutputs) {
  InferResponse response;
  response.model_name = "m";
  response.model_version = "3";
  response.id = "req-1";
  Tensor y(DataType::kFloat, {2});
  y.data<float>()[0] = 0.1f;
  y.data<float>()[1] = std::nanf("");
  Tensor ids(DataType::kInt64, {1});
  ids.data<int64_t>()[0] = -5;
  Tensor s(DataType::kString, {1});
  s.strings()[0] = "ok";
  response.outputs.push_back({"y", std::move(y), false});
  response.outputs.push_back({"ids", std::move(ids), true});
  response.outputs.push_back({"s", std::move(s), true});
  std::string binary;
  absl::StatusOr<std::string> json = EncodeInferResponseJson(response, &binary);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            R"({"model_name":"m","model_version":"3","id":"req-1","outputs":[)"
            R"({"name":"y","datatype":"FP32","shape":[2],"data":[0.1,NaN]},)"
            R"({"name":"ids","datatype":"INT64","shape":[1],"parameters":{"binary_data_size":8}},)"
            R"({"name":"s","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":6}}]})");
  ASSERT_EQ(binary.size(), 14u);
  int64_t back = 0;
  std::memcpy(&back, binary.data(), 8);
  EXPECT_EQ(back, -5);
  EXPECT_EQ(binary.substr(8), std::string("\x02\x00\x00\x00ok", 6));

  // What the encoder writes, the parser reads back (as a client would send it).
  InferRequest again = Parse(R"({"inputs": [{"name": "ids", "datatype": "INT64", "shape": [1],
      "parameters": {"binary_data_size": 8}}, {"name": "s", "datatype": "BYTES", "shape": [1],
      "parameters": {"binary_data_size": 6}}]})", binary);
  EXPECT_EQ(again.inputs[0].tensor.data<int64_t>()[0], -5);
  EXPECT_EQ(again.inputs[1].tensor.strings()[0], "ok");
}

}  // namespace
}  // namespace berth::protocol

namespace berth::protocol {
namespace {

// Doubles cross the JSON form exactly both ways (full-precision parsing, shortest exact writing).
TEST(JsonCodecTest, DoublesRoundTripExactly) {
  const double values[] = {36.159505490948476, 0.1 + 0.2, 1.2345678901234567, 5e-324,
                           1.7976931348623157e308};
  std::string json = R"({"inputs": [{"name": "d", "datatype": "FP64", "shape": [5], "data": [)";
  for (size_t i = 0; i < 5; ++i) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.17g", values[i]);
    json += (i ? "," : "") + std::string(text);
  }
  json += "]}]}";
  absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, "", RequestLimits());
  ASSERT_TRUE(r.ok()) << r.status();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r->inputs[0].tensor.data<double>()[i], values[i]) << i;

  InferResponse response;
  response.outputs.push_back({"d", std::move(r->inputs[0].tensor), false});
  std::string binary;
  absl::StatusOr<std::string> out = EncodeInferResponseJson(response, &binary);
  ASSERT_TRUE(out.ok());
  absl::StatusOr<InferRequest> back = ParseInferRequestJson(
      absl::StrReplaceAll(*out, {{"\"outputs\"", "\"inputs\""}}), "", RequestLimits());
  ASSERT_TRUE(back.ok()) << back.status() << *out;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(back->inputs[0].tensor.data<double>()[i], values[i]) << i;
  EXPECT_NE(out->find("0.30000000000000004"), std::string::npos) << *out;
}

}  // namespace
}  // namespace berth::protocol
