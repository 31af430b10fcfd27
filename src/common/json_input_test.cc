#include "common/json_input.h"

#include <cmath>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace berth {
namespace {

std::string WithoutSpaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

TEST(RewriteNumbers, ZerosWithFractionOrExponentBecomeZeroPointZero) {
  std::string out;
  const std::string in = R"({"a": [0e100, -0.000000000000000000000000, 0E-400]})";
  ASSERT_TRUE(RewriteNumbers(in, &out));
  EXPECT_EQ(WithoutSpaces(out), R"({"a":[0.0,-0.0,0.0]})");
  EXPECT_EQ(out.size(), in.size());
  // RapidJSON reads "0E-69" before it fails on the "E" that follows.
  ASSERT_TRUE(RewriteNumbers("[0E-69E-0E", &out));
  EXPECT_EQ(out, "[0.0  E-0E");
  // A number no longer than "0.0" is left: the padding could not keep the rest apart.
  EXPECT_FALSE(RewriteNumbers("0e0e00262 -0e5", &out));
}

TEST(RewriteNumbers, LeavesOtherNumbersStringsAndInvalidTokens) {
  std::string out = "unchanged";
  EXPECT_FALSE(RewriteNumbers(R"({"0e100": "0e100 \" 0e5", "x": [0, 0.0, -0.0, 1e100]})", &out));
  EXPECT_FALSE(RewriteNumbers("[0.e5, 00e5, 0e, 0e+, 0.5, -0.000000, 12.25e3, 1e-30]", &out));
  // Integers up to 20 digits stay integers (RapidJSON reads them as int64 or uint64).
  EXPECT_FALSE(RewriteNumbers("[9223372036854775807, 18446744073709551615]", &out));
  EXPECT_EQ(out, "unchanged");
}

TEST(RewriteNumbers, LongNumbersBecomeTheirShortestExactForm) {
  std::string out;
  const std::string in = "[0.01e100,12.0511111111111111111110000000008,1.0000]";
  ASSERT_TRUE(RewriteNumbers(in, &out));
  EXPECT_EQ(WithoutSpaces(out), "[1e+98,12.051111111111112,1.0000]");
  EXPECT_EQ(out.size(), in.size());
  // Found by fuzzing: RapidJSON's significand overflows to 0 on 18446744073709551615 and a
  // digit >= 5 (undefined behaviour); rewritten, the digits after the 17th are rounded away.
  ASSERT_TRUE(RewriteNumbers("1844674407370955161554", &out));
  EXPECT_EQ(out, "1844674407370955161600");
  // Followed by garbage, a number is shortened whatever its value (the parse fails there).
  ASSERT_TRUE(RewriteNumbers("184467440737095516155-", &out));
  EXPECT_EQ(out, "1.84467440737096e+20 -");
  // An integer that fits in uint64 is left, to be read as one.
  EXPECT_FALSE(RewriteNumbers("[18446744073709551615,-9223372036854775808]", &out));
  // Beyond double's range: 1e999, which RapidJSON refuses as too big.
  const std::string huge = std::string(200, '7') + "e222";
  ASSERT_TRUE(RewriteNumbers(huge, &out));
  EXPECT_EQ(out, "1e999" + std::string(huge.size() - 5, ' '));
}

TEST(ParseJson, ReadsZeroExponentsAsZero) {
  rapidjson::Document doc;
  ParseJson(doc, std::string_view(R"({"a": 0e100, "b": -0.0e-999, "c": 0.30000000000000004})"));
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["a"].GetDouble(), 0.0);
  EXPECT_TRUE(std::signbit(doc["b"].GetDouble()));
  EXPECT_EQ(doc["c"].GetDouble(), 0.1 + 0.2);
}

TEST(ParseJson, RefusesNumbersBeyondDoubleAndReadsLongOnesExactly) {
  rapidjson::Document doc;
  ParseJson(doc, "[" + std::string(200, '7') + "e222]");
  EXPECT_TRUE(doc.HasParseError());
  ParseJson(doc,
            std::string_view("[1.00000000000000000000000000001e-300, 123456789012345678901234]"));
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc[0].GetDouble(), 1e-300);
  EXPECT_EQ(doc[1].GetDouble(), 123456789012345678901234.0);
}

TEST(ParseJson, DeepNestingIsAnErrorOrAValueNotACrash) {
  rapidjson::Document doc;
  ParseJson(doc, std::string(1 << 20, '['));
  EXPECT_TRUE(doc.HasParseError());
  ParseJson(doc, std::string(1 << 16, '[') + std::string(1 << 16, ']'));
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_FALSE(JsonNestsWithin(doc, 64));
  EXPECT_EQ(JsonDepth(doc, 10), 11);
  ParseJson(doc, std::string_view(R"({"a": [[1]]})"));
  EXPECT_TRUE(JsonNestsWithin(doc, 4));  // object, array, array, number
  EXPECT_FALSE(JsonNestsWithin(doc, 3));
}

}  // namespace
}  // namespace berth
