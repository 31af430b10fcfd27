#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

Attribute Strings(std::vector<std::string> v) {
  Attribute a;
  a.type = Attribute::Type::kStrings;
  a.strings = std::move(v);
  return a;
}

struct NormalizerCase {
  std::string name;
  std::map<std::string, Attribute> attrs;
  Shape in_shape;
  std::vector<std::string> in;
  Shape out_shape;
  std::vector<std::string> out;
};

TEST(StringNormalizerTest, Cases) {
  const std::vector<NormalizerCase> cases = {
      {"no stop words, no change", {}, {2}, {"Monday", "tuesday"}, {2}, {"Monday", "tuesday"}},
      {"case-sensitive stop words, lower",
       {{"case_change_action", StringAttr("LOWER")},
        {"is_case_sensitive", IntAttr(1)},
        {"stopwords", Strings({"monday"})}},
       {4}, {"monday", "Monday", "TUESDAY", "x"}, {3}, {"monday", "tuesday", "x"}},
      {"case-insensitive stop words, upper, [1, C]",
       {{"case_change_action", StringAttr("UPPER")}, {"stopwords", Strings({"MonDay"})}},
       {1, 4}, {"Monday", "tuesday", "MONDAY", "wednesday"}, {1, 2}, {"TUESDAY", "WEDNESDAY"}},
      {"everything removed from [C]",
       {{"stopwords", Strings({"a"})}}, {2}, {"a", "A"}, {1}, {""}},
      {"everything removed from [1, C]",
       {{"stopwords", Strings({"a"})}}, {1, 2}, {"a", "A"}, {1, 1}, {""}},
      {"unicode case mapping",
       {{"case_change_action", StringAttr("UPPER")}},
       {3}, {"straße", "éclair", "привет"}, {3}, {"STRAßE", "ÉCLAIR", "ПРИВЕТ"}},
      {"unicode stop words ignore case",
       {{"case_change_action", StringAttr("LOWER")}, {"stopwords", Strings({"ÉTÉ"})}},
       {2}, {"été", "Hiver"}, {1}, {"hiver"}},
      {"unknown locale falls back", {{"locale", StringAttr("xx_YY")},
                                     {"case_change_action", StringAttr("LOWER")}},
       {1}, {"ABC"}, {1}, {"abc"}},
  };
  for (const NormalizerCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x = MakeTensor<std::string>(c.in_shape, c.in);
    absl::StatusOr<std::vector<Tensor>> out =
        RunNode(MakeNode("StringNormalizer", 1, 1, c.attrs), 10, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], MakeTensor<std::string>(c.out_shape, c.out));
  }
}

TEST(StringNormalizerTest, RejectsBadInputs) {
  Tensor x = MakeTensor<std::string>({2}, {"a", "b"});
  EXPECT_FALSE(RunNode(MakeNode("StringNormalizer", 1, 1,
                                {{"case_change_action", StringAttr("TITLE")}}),
                       10, {&x})
                   .ok());
  Tensor matrix = MakeTensor<std::string>({2, 2}, {"a", "b", "c", "d"});
  EXPECT_FALSE(RunNode(MakeNode("StringNormalizer", 1), 10, {&matrix}).ok());
  Tensor bad_utf8 = MakeTensor<std::string>({1}, {"\xff"});
  EXPECT_FALSE(RunNode(MakeNode("StringNormalizer", 1, 1,
                                {{"case_change_action", StringAttr("UPPER")}}),
                       10, {&bad_utf8})
                   .ok());
}

}  // namespace
}  // namespace berth::engine::testing
