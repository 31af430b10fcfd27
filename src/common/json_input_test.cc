#include "common/json_input.h"

#include <cmath>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace berth {
namespace {

TEST(RewriteZeroNumbers, ZerosWithFractionOrExponentBecomeZeroPointZero) {
  std::string out;
  const std::string in = R"({"a": [0e100, -0.000000, 0E-400]})";
  ASSERT_TRUE(RewriteZeroNumbers(in, &out));
  EXPECT_EQ(out, R"({"a": [0.0  , -0.0     , 0.0   ]})");
  EXPECT_EQ(out.size(), in.size());
  // RapidJSON reads "0E-69" before it fails on the "E" that follows.
  ASSERT_TRUE(RewriteZeroNumbers("[0E-69E-0E", &out));
  EXPECT_EQ(out, "[0.0  E-0E");
  // A number no longer than "0.0" is left: the padding could not keep the rest apart.
  EXPECT_FALSE(RewriteZeroNumbers("0e0e00262 -0e5", &out));
}

TEST(RewriteZeroNumbers, LeavesOtherNumbersStringsAndInvalidTokens) {
  std::string out = "unchanged";
  EXPECT_FALSE(
      RewriteZeroNumbers(R"({"0e100": "0e100 \" 0e5", "x": [0, 0.0, -0.0, 1e100]})", &out));
  EXPECT_FALSE(RewriteZeroNumbers("[0.e5, 00e5, 0e, 0e+, 10e100, 0.01e100]", &out));
  EXPECT_EQ(out, "unchanged");
}

TEST(ParseJson, ReadsZeroExponentsAsZero) {
  rapidjson::Document doc;
  ParseJson(doc, std::string_view(R"({"a": 0e100, "b": -0.0e-999, "c": 0.30000000000000004})"));
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["a"].GetDouble(), 0.0);
  EXPECT_TRUE(std::signbit(doc["b"].GetDouble()));
  EXPECT_EQ(doc["c"].GetDouble(), 0.1 + 0.2);
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
