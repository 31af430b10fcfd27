#include "common/json_writer.h"

#include <cmath>
#include <limits>
#include <optional>

#include "gtest/gtest.h"

namespace berth {
namespace {

TEST(JsonQuoteTest, EscapesSpecialCharacters) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("line\nbreak\ttab\r"), "\"line\\nbreak\\ttab\\r\"");
  EXPECT_EQ(JsonQuote(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(JsonQuote("\x01\x1f"), "\"\\u0001\\u001f\"");
}

TEST(JsonQuoteTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(JsonQuote("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
  EXPECT_EQ(JsonQuote("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xc3"), "\"\\ufffd\"");          // truncated sequence
  EXPECT_EQ(JsonQuote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");  // overlong
}

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray().String("x").Bool(true).Null().EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").BeginArray().EndArray();
  w.Key("e").Double(0.5);
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null],"c":{},"d":[],"e":0.5})");
}

TEST(JsonWriterTest, RawValuesAreInsertedAsTheyAre) {
  JsonWriter w;
  w.BeginArray().Int(1).Raw(R"({"k":[2]})").Int(3).EndArray();
  EXPECT_EQ(w.str(), R"([1,{"k":[2]},3])");
}

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  JsonWriter w;
  w.BeginArray();
  w.Double(std::nan(""));
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-1e300);
  w.EndArray();
  EXPECT_EQ(w.str(), "[null,null,-1e+300]");
}

TEST(JsonWriterTest, AbsentOptionalsBecomeNull) {
  JsonWriter w;
  w.BeginArray()
      .Int(std::optional<int64_t>(7))
      .Int(std::optional<int64_t>())
      .Double(std::optional<double>(0.5))
      .Double(std::optional<double>())
      .EndArray();
  EXPECT_EQ(w.str(), "[7,null,0.5,null]");
}

TEST(JsonWriterTest, PrettyPrints) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("a").BeginArray().Int(1).Int(2).EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
}

}  // namespace
}  // namespace berth
