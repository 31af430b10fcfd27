// RegexFullMatch, StringConcat and StringSplit.
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(RegexFullMatchTest, MatchesWholeStrings) {
  struct Case {
    std::string pattern;
    std::vector<std::string> in;
    std::vector<bool> expected;
  };
  const std::vector<Case> cases = {
      {R"(www\.[\w.-]+\.\bcom\b)", {"www.google.com", "www.bbc.co.uk", "xwww.a.com"},
       {true, false, false}},
      {R"((\W|^)[\w.\-]{0,25}@(yahoo|gmail)\.com(\W|$))",
       {"account@gmail.com", "account@hotmail.com", "not email"}, {true, false, false}},
      {"a+?b*", {"aab", "", "ba"}, {true, false, false}},
      {"(?i)hello", {"HeLLo", "hello!"}, {true, false}},
      {"[[:digit:]]{3}-\\d{4}", {"555-1234", "55-1234"}, {true, false}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pattern);
    Tensor x = MakeTensor<std::string>({static_cast<int64_t>(c.in.size())}, c.in);
    absl::StatusOr<std::vector<Tensor>> out = RunNode(
        MakeNode("RegexFullMatch", 1, 1, {{"pattern", StringAttr(c.pattern)}}), 20, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ((*out)[0].dtype(), DataType::kBool);
    for (size_t i = 0; i < c.in.size(); ++i) {
      EXPECT_EQ((*out)[0].data<bool>()[i], c.expected[i]) << c.in[i];
    }
  }
}

TEST(RegexFullMatchTest, LongInputDoesNotOverflowTheStack) {
  Tensor x = MakeTensor<std::string>({1}, {std::string(1 << 20, 'a') + "b"});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(
      MakeNode("RegexFullMatch", 1, 1, {{"pattern", StringAttr("(a|c)*b")}}), 20, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE((*out)[0].data<bool>()[0]);
}

TEST(RegexFullMatchTest, KeepsShapeAndRejectsBadPatterns) {
  Tensor empty(DataType::kString, {2, 0});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("RegexFullMatch", 1, 1, {{"pattern", StringAttr("a")}}), 20, {&empty});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString((*out)[0].shape()), "[2,0]");
  Tensor x = MakeTensor<std::string>({1}, {"a"});
  EXPECT_FALSE(
      RunNode(MakeNode("RegexFullMatch", 1, 1, {{"pattern", StringAttr("(a")}}), 20, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("RegexFullMatch", 1), 20, {&x}).ok());
}

TEST(StringConcatTest, BroadcastsLikeNumpy) {
  Tensor a = MakeTensor<std::string>({2, 1}, {"x", "y"});
  Tensor b = MakeTensor<std::string>({3}, {"1", "2", "的"});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("StringConcat", 2), 20, {&a, &b});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<std::string>({2, 3}, {"x1", "x2", "x的", "y1", "y2", "y的"}));

  Tensor scalar = MakeTensor<std::string>({}, {"s"});
  out = RunNode(MakeNode("StringConcat", 2), 20, {&b, &scalar});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<std::string>({3}, {"1s", "2s", "的s"}));

  Tensor two = MakeTensor<std::string>({2}, {"a", "b"});
  EXPECT_FALSE(RunNode(MakeNode("StringConcat", 2), 20, {&two, &b}).ok());
}

struct SplitCase {
  std::string name;
  std::map<std::string, Attribute> attrs;
  Shape in_shape;
  std::vector<std::string> in;
  Shape out_shape;
  std::vector<std::string> parts;
  std::vector<int64_t> counts;
};

TEST(StringSplitTest, Cases) {
  const std::vector<SplitCase> cases = {
      {"delimiter", {{"delimiter", StringAttr(".")}}, {2}, {"abc.com", "a.b.c"}, {2, 3},
       {"abc", "com", "", "a", "b", "c"}, {2, 3}},
      {"consecutive delimiters", {{"delimiter", StringAttr("--")}}, {1}, {"a----b--"}, {1, 4},
       {"a", "", "b", ""}, {4}},
      {"whitespace", {}, {2}, {"  hello \t world !  ", ""}, {2, 3},
       {"hello", "world", "!", "", "", ""}, {3, 0}},
      {"empty delimiter means whitespace", {{"delimiter", StringAttr("")}}, {1}, {"a\u3000b"},
       {1, 2}, {"a", "b"}, {2}},
      {"maxsplit on whitespace keeps the rest", {{"maxsplit", IntAttr(1)}}, {1},
       {" the quick  brown "}, {1, 2}, {"the", "quick  brown "}, {2}},
      {"maxsplit with delimiter", {{"delimiter", StringAttr(",")}, {"maxsplit", IntAttr(2)}},
       {2, 1}, {"a,b,c,d", ""}, {2, 1, 3}, {"a", "b", "c,d", "", "", ""}, {3, 1}},
      {"empty tensor", {}, {0}, {}, {0, 0}, {}, {}},
  };
  for (const SplitCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x = MakeTensor<std::string>(c.in_shape, c.in);
    absl::StatusOr<std::vector<Tensor>> out =
        RunNode(MakeNode("StringSplit", 1, 2, c.attrs), 20, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], MakeTensor<std::string>(c.out_shape, c.parts));
    ExpectTensorNear((*out)[1], MakeTensor<int64_t>(c.in_shape, c.counts));
  }
}

}  // namespace
}  // namespace berth::engine::testing
