// The fast reader of "data" values against the DOM parse: the same request or the same error
// for every input, generated over every datatype, edge values, spellings, whitespace and
// nesting; and the fast reader does take the common requests.
#include "protocol/json_data_text.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "protocol/json_codec.h"
#include "protocol/json_number.h"

namespace berth::protocol {
namespace {

using engine::DataType;
using engine::Tensor;

bool SameTensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == DataType::kString) return a.strings() == b.strings();
  return std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;  // -0.0 != 0.0 here
}

// Both parses of `json`; returns false (with a test failure) when they differ.
bool ExpectSame(const std::string& json, RequestLimits limits = RequestLimits()) {
  absl::StatusOr<InferRequest> fast = ParseInferRequestJson(json, "", limits);
  absl::StatusOr<InferRequest> dom = ParseInferRequestJsonDom(json, "", limits);
  if (fast.ok() != dom.ok()) {
    ADD_FAILURE() << json << "\nfast: " << fast.status() << "\ndom: " << dom.status();
    return false;
  }
  if (!fast.ok()) {
    EXPECT_EQ(fast.status(), dom.status()) << json;
    return fast.status() == dom.status();
  }
  bool same = fast->id == dom->id && fast->inputs.size() == dom->inputs.size() &&
              fast->outputs.size() == dom->outputs.size() &&
              fast->binary_outputs == dom->binary_outputs && fast->timeout_us == dom->timeout_us;
  for (size_t i = 0; same && i < fast->inputs.size(); ++i) {
    same = fast->inputs[i].name == dom->inputs[i].name &&
           SameTensor(fast->inputs[i].tensor, dom->inputs[i].tensor);
  }
  EXPECT_TRUE(same) << json;
  return same;
}

std::string Request(const std::string& dtype, const std::string& shape, const std::string& data) {
  return absl::StrCat(R"({"inputs": [{"name": "x", "datatype": ")", dtype, R"(", "shape": [)",
                      shape, R"(], "data": )", data, "}]}");
}

// The fast reader takes `json`'s data values (nothing left to the DOM parse).
bool ReadFast(const std::string& json, DataType dtype, const engine::Shape& shape) {
  std::optional<CutRequest> cut = CutDataValues(json);
  if (!cut.has_value() || cut->data.empty() || !cut->data[0].has_value()) return false;
  Tensor t(dtype, shape);
  return ReadDataText(*cut->data[0], t);
}

std::string Shortest(double d) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), d).ptr);
}

// Number texts for float datatypes: random float32 and float64 values in several spellings
// and the edges.
std::vector<std::string> FloatTexts(std::mt19937_64& rng) {
  std::vector<std::string> out = {"0",
                                  "-0",
                                  "0.0",
                                  "-0.0",
                                  "0e0",
                                  "-0E+5",
                                  "0.000e-3",
                                  "0.0000000000000000000000000",
                                  "1",
                                  "-1",
                                  "1.5",
                                  "1E2",
                                  "1e+2",
                                  "1e-2",
                                  "-2.5E-3",
                                  "123456789012345678901234567890",
                                  "9007199254740993",
                                  "18446744073709551615",
                                  "18446744073709551616",
                                  "-9223372036854775808",
                                  "-9223372036854775809",
                                  "1e38",
                                  "3.4e38",
                                  "3.4028234663852886e38",
                                  "3.4028235e38",
                                  "3.4028236e38",
                                  "1e39",
                                  "-1e39",
                                  "1.17549435e-38",
                                  "1.4e-45",
                                  "7e-46",
                                  "1e-46",
                                  "1e-310",
                                  "4.9e-324",
                                  "2.4703282292062328e-324",
                                  "2e-324",
                                  "1e-400",
                                  "1.7976931348623157e308",
                                  "1.7976931348623159e308",
                                  "2e308",
                                  "1e308",
                                  "1e309",
                                  "0e400",
                                  "1.2980294063998833695e-330",
                                  "1.298029406399883369e-330",
                                  "0.1e-320",
                                  "100e306",
                                  "0.5000000000000000000000000000000000000001",
                                  std::string(300, '9'),
                                  std::string(400, '9'),
                                  absl::StrCat("1", std::string(250, '0'), ".5"),
                                  "01",
                                  "1.",
                                  ".5",
                                  "+1",
                                  "1e",
                                  "-",
                                  "--1",
                                  "1.5.2",
                                  "NaN",
                                  "Infinity",
                                  "-Infinity",
                                  "nan",
                                  "inf",
                                  "0x10",
                                  "true",
                                  "false",
                                  "null",
                                  "\"1\"",
                                  "[]",
                                  "{}"};
  for (int i = 0; i < 400; ++i) {
    float f;
    const uint32_t bits = static_cast<uint32_t>(rng());
    std::memcpy(&f, &bits, 4);
    if (std::isfinite(f)) out.push_back(Shortest(f));
    double d;
    const uint64_t dbits = rng();
    std::memcpy(&d, &dbits, 8);
    if (std::isfinite(d)) out.push_back(Shortest(d));
    char buf[64];
    const int digits = 1 + static_cast<int>(rng() % 25);
    std::snprintf(buf, sizeof(buf), "%.*e", digits, d);
    if (std::isfinite(d)) out.push_back(buf);
    std::snprintf(buf, sizeof(buf), "%.*E", digits % 9, static_cast<double>(f));
    if (std::isfinite(f)) out.push_back(buf);
    out.push_back(std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)));
  }
  return out;
}

std::vector<std::string> IntegerTexts(std::mt19937_64& rng) {
  std::vector<std::string> out = {"0",
                                  "-0",
                                  "1",
                                  "-1",
                                  "127",
                                  "128",
                                  "-128",
                                  "-129",
                                  "255",
                                  "256",
                                  "32767",
                                  "32768",
                                  "-32768",
                                  "-32769",
                                  "65535",
                                  "65536",
                                  "2147483647",
                                  "2147483648",
                                  "-2147483648",
                                  "-2147483649",
                                  "4294967295",
                                  "4294967296",
                                  "9223372036854775807",
                                  "9223372036854775808",
                                  "-9223372036854775808",
                                  "-9223372036854775809",
                                  "18446744073709551615",
                                  "18446744073709551616",
                                  "1.0",
                                  "1e2",
                                  "-0.0",
                                  "0e0",
                                  "1.5",
                                  "true",
                                  "false",
                                  "null",
                                  "\"7\"",
                                  "00",
                                  "-",
                                  "+5",
                                  std::string(30, '7')};
  for (int i = 0; i < 300; ++i) {
    out.push_back(std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)));
    out.push_back(std::to_string(rng() >> (rng() % 64)));
  }
  return out;
}

const std::vector<std::string> kFloatTypes = {"FP32", "FP64", "FP16", "BF16"};
const std::vector<std::string> kIntegerTypes = {"INT8",  "INT16",  "INT32",  "INT64",
                                                "UINT8", "UINT16", "UINT32", "UINT64"};

TEST(JsonDataTextTest, EveryNumberTextAloneGivesWhatTheDomGives) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> floats = FloatTexts(rng);
  const std::vector<std::string> integers = IntegerTexts(rng);
  int checked = 0;
  for (const std::string& type : kFloatTypes) {
    for (const std::string& text : floats) {
      ExpectSame(Request(type, "1", "[" + text + "]"));
      ExpectSame(Request(type, "", text));  // a scalar
      checked += 2;
    }
  }
  for (const std::string& type : kIntegerTypes) {
    for (const std::string& text : integers) ExpectSame(Request(type, "1", "[" + text + "]"));
    for (const std::string& text : floats) ExpectSame(Request(type, "1", "[" + text + "]"));
    checked += integers.size() + floats.size();
  }
  for (const char* text : {"true", "false", "0", "1", "-0", "1.0", "null", "\"true\""}) {
    ExpectSame(Request("BOOL", "1", std::string("[") + text + "]"));
    ++checked;
  }
  EXPECT_GT(checked, 10000);
}

// Random arrays of one datatype, in random shapes, nestings and whitespace.
std::string RandomData(std::mt19937_64& rng, const std::vector<std::string>& texts, int count,
                       const std::vector<int>& shape) {
  static const char* kSpaces[] = {"", "", " ", "\n", "\t", "\r\n  "};
  auto space = [&] { return std::string(kSpaces[rng() % 6]); };
  std::string out;
  int next = 0;
  // Nested as the shape says (or flat when rng says so), whitespace anywhere between tokens.
  const bool nested = rng() % 2 == 0 && !shape.empty();
  std::function<void(size_t)> emit = [&](size_t axis) {
    out += space() + "[";
    const int n = nested ? shape[axis] : count;
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += space() + ",";
      if (nested && axis + 1 < shape.size()) {
        emit(axis + 1);
      } else {
        out += space() + texts[rng() % texts.size()];
        ++next;
      }
    }
    out += space() + "]";
  };
  emit(0);
  return out + space();
}

TEST(JsonDataTextTest, GeneratedRequestsGiveWhatTheDomGives) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> floats = FloatTexts(rng);
  std::vector<std::string> good_floats, good_integers;
  for (const std::string& t : floats) {
    if (t.find_first_of("NIinftx\"[{") == std::string::npos && t.size() < 40 && t[0] != '+' &&
        t[0] != '.' && t.back() != '.' && t != "01") {
      good_floats.push_back(t);
    }
  }
  for (int i = 0; i < 200; ++i) good_integers.push_back(std::to_string(rng() % 100));
  int fast = 0, total = 0;
  for (int i = 0; i < 600; ++i) {
    const std::vector<int> shape = {1 + static_cast<int>(rng() % 3),
                                    1 + static_cast<int>(rng() % 4)};
    const int count = shape[0] * shape[1];
    const bool integer = i % 3 == 0;
    const std::string& type = integer ? kIntegerTypes[rng() % kIntegerTypes.size()]
                                      : kFloatTypes[rng() % kFloatTypes.size()];
    // Mostly good texts (so that whole requests pass), now and then any of them.
    const std::vector<std::string>& texts =
        rng() % 4 == 0 ? floats : (integer ? good_integers : good_floats);
    const std::string json =
        Request(type, absl::StrCat(shape[0], ",", shape[1]), RandomData(rng, texts, count, shape));
    ExpectSame(json);
    absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, "", RequestLimits());
    if (r.ok()) {
      ++total;
      engine::Shape dims = {shape[0], shape[1]};
      fast += ReadFast(json, r->inputs[0].tensor.dtype(), dims);
    }
  }
  // Almost every valid request is read fast (the rest hold a number the DOM handles alone,
  // such as 1e-400).
  EXPECT_GT(total, 300);
  EXPECT_GT(fast, total * 8 / 10);
}

TEST(JsonDataTextTest, ErrorsAreTheDomParsesAndNameTheInput) {
  const std::vector<std::string> requests = {
      Request("FP32", "2", "[1, 2, 3]"),        // more elements than the shape
      Request("FP32", "3", "[1, 2]"),           // fewer
      Request("FP32", "2", "[[1], [2, [3]]]"),  // nesting that adds an element
      Request("FP32", "2", "[1, \"2\"]"),       // a string among numbers
      Request("FP32", "2", "[1, null]"),        // null
      Request("FP32", "2", "[1, true]"),        // a bool for a float type
      Request("FP32", "2", "[1, {}]"),          // an object
      Request("INT8", "2", "[1, 128]"),         // out of range
      Request("UINT8", "2", "[1, -1]"),         // negative for unsigned
      Request("INT64", "1", "[9223372036854775808]"),
      Request("INT32", "1", "[1.0]"),   // a fraction for an integer type
      Request("INT32", "1", "[1e2]"),   // an exponent
      Request("BOOL", "1", "[1]"),      // a number for BOOL
      Request("BYTES", "1", "[1]"),     // a number for BYTES
      Request("FP32", "1", "[1e309]"),  // beyond the double range
      Request("FP32", "1", "[0e400]"),  // RapidJSON refuses the exponent
      Request("FP32", "1", absl::StrCat("[", std::string(400, '9'), "]")),  // too big an integer
      Request("FP32", "2", "[1, 2,]"),                                      // trailing comma
      Request("FP32", "2", "[1 2]"),                                        // missing comma
      Request("FP32", "2", "[1, 2"),                                        // cut short
      Request("FP32", "1", "[NaN]"),
      Request("FP32", "1", "[Infinity]"),
      Request("FP32", "1", "[-Infinity]"),
      Request("FP32", "1", "[01]"),
      Request("FP32", "1", "[.5]"),
      Request("FP32", "1", "[+1]"),
      Request("FP32", "1", "[1.]"),
      Request("FP32", "1", "[1e]"),
      Request("FP32", "1", "[1]") + " trailing",
      Request("FP32", "1", "[1]x"),
      Request("FP32", "2", "[1, 2]").substr(0, 40),
      // A number RapidJSON refuses must be its error, not an earlier one of the input.
      R"({"inputs": [{"name": "x", "shape": [1], "data": [3E21767]}]})",
      R"({"inputs": [{"name": "x", "shape": [1], "data": [0.5e309]}]})",
  };
  for (const std::string& json : requests) {
    ExpectSame(json);
    absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, "", RequestLimits());
    EXPECT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << json;
  }
  // Data errors name the input.
  for (size_t i = 0; i < 14; ++i) {
    absl::StatusOr<InferRequest> r = ParseInferRequestJson(requests[i], "", RequestLimits());
    EXPECT_NE(r.status().message().find("input 'x'"), absl::string_view::npos)
        << requests[i] << ": " << r.status();
  }
}

TEST(JsonDataTextTest, LimitsAndDocumentShapesGiveWhatTheDomGives) {
  RequestLimits tight;
  tight.max_json_depth = 4;
  tight.max_elements_per_input = 4;
  tight.max_inputs = 1;
  const std::string two = R"({"inputs": [{"name": "a", "datatype": "FP32", "shape": [1],
      "data": [1]}, {"name": "b", "datatype": "FP32", "shape": [1], "data": [2]}]})";
  for (const std::string& json : {
           Request("FP32", "2,2", "[[1, 2], [3, 4]]"),
           Request("FP32", "1,1,1,1", "[[[[1]]]]"),  // deeper than 4
           Request("FP32", "5", "[1, 2, 3, 4, 5]"),  // more elements than allowed
           two,                                      // more inputs than allowed
       }) {
    ExpectSame(json, tight);
    ExpectSame(json);
  }
  for (const std::string& json : {
           two,
           // keys the fast reader leaves to the DOM: escaped, repeated
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
               "d\u0061ta": [], "data": [1]}]})"),
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
               "data": [1], "data": [2]}]})"),
           std::string(R"({"inputs": [], "inputs": [{"name": "x", "datatype": "FP32",
               "shape": [1], "data": [1]}]})"),
           std::string(R"({"in\u0070uts": [{"name": "x", "datatype": "FP32", "shape": [1],
               "data": [1]}], "inputs": []})"),
           // data before the datatype and shape; other members around it
           std::string(R"({"id": "r", "inputs": [{"data": [[1.5], [2]], "name": "x",
               "parameters": {"a": [1, {"b": "]}"}]}, "shape": [2, 1], "datatype": "FP64"}],
               "outputs": [{"name": "y"}], "parameters": {"timeout": 5}})"),
           // an input that is not an object, a binary size next to data
           std::string(R"({"inputs": [7, {"name": "x", "datatype": "FP32", "shape": [1],
               "data": [1]}]})"),
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
               "parameters": {"binary_data_size": 4}, "data": [1]}]})"),
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [0],
               "data": []}]})"),
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2],
               "data": [[], [1], [], [2], []]}]})"),
           std::string(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
               "data": [1]}]} )") +
               std::string(1, '\0') + "junk",
           std::string(R"({"inputs": [{"name": "x\"", "datatype": "FP32", "shape": [1],
               "data": [1]}], "x": "\"data\": [1,"})"),
       }) {
    ExpectSame(json);
  }
}

// Requests with random edits (characters replaced, removed, inserted, pieces repeated).
TEST(JsonDataTextTest, MutatedRequestsGiveWhatTheDomGives) {
  const std::vector<std::string> seeds = {
      Request("FP32", "2,2", "[[1.5, -2], [0.25, 3e-5]]"),
      Request("INT16", "3", "[1, -0, 32767]"),
      Request("BOOL", "2", "[true, false]"),
      R"({"id": "a", "inputs": [{"name": "x", "datatype": "UINT8", "shape": [2],
          "data": [0, 255]}, {"data": [[1e2], [2.5]], "name": "y", "shape": [2, 1],
          "datatype": "FP64"}], "outputs": [{"name": "z"}]})",
  };
  static const char kAlphabet[] = "0123456789-+.eE[]{},:\" \n\\tfnaurl";
  std::mt19937_64 rng(3);
  int parsed = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string json = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !json.empty(); ++e) {
      const size_t at = rng() % json.size();
      const char c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
      switch (rng() % 4) {
        case 0:
          json[at] = c;
          break;
        case 1:
          json.erase(at, 1 + rng() % 3);
          break;
        case 2:
          json.insert(at, 1, c);
          break;
        default:
          json.insert(at, json.substr(at, 1 + rng() % 8));
          break;
      }
    }
    if (!ExpectSame(json)) break;  // the first difference is enough
    parsed += ParseInferRequestJson(json, "", RequestLimits()).ok();
  }
  EXPECT_GT(parsed, 2000);  // not only errors
}

TEST(JsonDataTextTest, TheFastReaderTakesCommonRequests) {
  EXPECT_TRUE(
      ReadFast(Request("FP32", "2,2", "[[1.5, -2], [0.25, 3e-5]]"), DataType::kFloat, {2, 2}));
  EXPECT_TRUE(ReadFast(Request("FP32", "3", "[0.5488135039273248,0.7151893663724195,1e-05]"),
                       DataType::kFloat, {3}));
  EXPECT_TRUE(ReadFast(Request("INT64", "2", "[-9223372036854775808, 7]"), DataType::kInt64, {2}));
  EXPECT_TRUE(ReadFast(Request("BOOL", "2", "[true, false]"), DataType::kBool, {2}));
  EXPECT_TRUE(ReadFast(Request("UINT8", "2", "[0, -0]"), DataType::kUint8, {2}));
  // Left to the DOM: strings, escaped keys, numbers the DOM handles alone.
  EXPECT_FALSE(CutDataValues(Request("BYTES", "1", "[\"a\"]")).has_value());
  EXPECT_FALSE(CutDataValues(R"({"inputs": [{"d\u0061ta": [1]}]})").has_value());
  EXPECT_FALSE(ReadFast(Request("FP32", "1", "[1e-400]"), DataType::kFloat, {1}));
  EXPECT_FALSE(CutDataValues(Request("FP32", "1", "[0e309]")).has_value());
  EXPECT_FALSE(CutDataValues(Request("FP32", "1", absl::StrCat("[", std::string(301, '1'), "]")))
                   .has_value());
  EXPECT_TRUE(ReadFast(Request("FP32", "1", "[0e308]"), DataType::kFloat, {1}));
  EXPECT_FALSE(ReadFast(Request("INT8", "1", "[300]"), DataType::kInt8, {1}));
  // The cut text keeps everything but the data values.
  std::optional<CutRequest> cut =
      CutDataValues(R"({"inputs": [{"name": "a", "data": [1, 2]}, {"name": "b"}, {"data": 3}]})");
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->text, R"({"inputs": [{"name": "a", "data": []}, {"name": "b"}, {"data": []}]})");
  ASSERT_EQ(cut->data.size(), 3u);
  EXPECT_EQ(cut->data[0]->text, "[1, 2]");
  EXPECT_EQ(cut->data[0]->leaves, 2);
  EXPECT_FALSE(cut->data[1].has_value());
  EXPECT_EQ(cut->data[2]->leaves, 1);
}

TEST(JsonNumberTest, NumbersRapidJsonMisreadAreExact) {
  // RapidJSON 1.1.0's full-precision strtod read past its power table for these (a crash, or
  // -1.8e302), and gave -1.8e-194 for the long zero.
  for (const char* tiny : {"1.2980294063998833695e-330", "1.298029406399883369e-330",
                           "0.0000000000000000000000000", "1e-400"}) {
    const std::string json = Request("FP64", "1", absl::StrCat("[", tiny, "]"));
    absl::StatusOr<InferRequest> r = ParseInferRequestJson(json, "", RequestLimits());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->inputs[0].tensor.data<double>()[0], 0.0) << tiny;
  }
  EXPECT_TRUE(std::signbit(ConvertJsonNumber("-1e-400").d));
  EXPECT_EQ(ConvertJsonNumber("2e308").d, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ConvertJsonNumber("-2e308").d, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ConvertJsonNumber("-0").kind, JsonNumber::Kind::kInt64);
  EXPECT_EQ(ConvertJsonNumber("18446744073709551615").kind, JsonNumber::Kind::kUint64);
  EXPECT_EQ(ConvertJsonNumber("18446744073709551616").kind, JsonNumber::Kind::kDouble);
  EXPECT_EQ(ConvertJsonNumber("18446744073709551616").d, 18446744073709551616.0);
  EXPECT_EQ(ConvertJsonNumber("0.1").d, 0.1);
}

}  // namespace
}  // namespace berth::protocol
