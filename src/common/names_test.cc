#include "common/names.h"

#include <string>

#include "gtest/gtest.h"

namespace berth {
namespace {

TEST(ValidateModelNameTest, AcceptsPlainNames) {
  for (const char* name : {"resnet50", "bert-small", "my_model.v2", "7up", "A"}) {
    EXPECT_TRUE(ValidateModelName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateModelName(std::string(kMaxModelNameLength, 'm')).ok());
}

TEST(ValidateModelNameTest, RefusesPathsAndOddCharacters) {
  for (const char* name : {"", ".", "..", "../x", "a/../b", "/etc/passwd", "a/b", "a\\b",
                           ".hidden", "-flag", "_x", "%2e%2e", "a%2Fb", "sp ace", "tab\t",
                           "new\nline", "caf\xc3\xa9"}) {
    absl::Status st = ValidateModelName(name);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_FALSE(ValidateModelName(std::string(kMaxModelNameLength + 1, 'm')).ok());
  EXPECT_FALSE(ValidateModelName(std::string("nul\0byte", 8)).ok());
}

TEST(ValidateModelNameTest, MessageNamesTheNameEscaped) {
  absl::Status st = ValidateModelName("bad\nname/x");
  EXPECT_NE(st.message().find("'bad\\nname/x'"), std::string::npos) << st;
  EXPECT_NE(st.message().find("letters, digits"), std::string::npos) << st;
}

TEST(ParseVersionTest, PositiveDecimalIntegersOnly) {
  EXPECT_EQ(*ParseVersion("1"), 1);
  EXPECT_EQ(*ParseVersion("42"), 42);
  EXPECT_EQ(*ParseVersion("9223372036854775807"), INT64_MAX);
  for (const char* text : {"", "0", "01", "-1", "+1", "1.0", "1e3", " 1", "1 ", "x",
                           "9223372036854775808", "99999999999999999999", "../1"}) {
    absl::StatusOr<int64_t> v = ParseVersion(text);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_NE(ParseVersion("01").status().message().find("'01'"), std::string::npos);
}

TEST(ValidateAliasNameTest, AcceptsNamesButNotNumbers) {
  for (const char* alias : {"production", "canary-2", "v1", "1a", "stable.eu"}) {
    EXPECT_TRUE(ValidateAliasName(alias).ok()) << alias;
  }
  for (const char* alias : {"", "1", "42", "007", "-x", "a/b", "sp ace", ".."}) {
    EXPECT_EQ(ValidateAliasName(alias).code(), absl::StatusCode::kInvalidArgument) << alias;
  }
  EXPECT_FALSE(ValidateAliasName(std::string(kMaxAliasNameLength + 1, 'a')).ok());
  absl::Status numeric = ValidateAliasName("12");
  EXPECT_NE(numeric.message().find("'12' is a number"), std::string::npos) << numeric;
  absl::Status slash = ValidateAliasName("a/b");
  EXPECT_NE(slash.message().find("alias 'a/b'"), std::string::npos) << slash;
}

TEST(ValidateTagKeyTest, NameRules) {
  for (const char* key : {"team", "dataset.version", "7", "lr_1e-3"}) {
    EXPECT_TRUE(ValidateTagKey(key).ok()) << key;
  }
  for (const char* key : {"", "=x", "a=b", "sp ace", "_x", "caf\xc3\xa9"}) {
    EXPECT_EQ(ValidateTagKey(key).code(), absl::StatusCode::kInvalidArgument) << key;
  }
  absl::Status empty = ValidateTagKey("");
  EXPECT_EQ(empty.message(), "tag key is empty");
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(ParseVersionRefTest, NumbersAliasesAndTheDefault) {
  auto none = ParseVersionRef("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->is_default());
  auto three = ParseVersionRef("3");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->number, 3);
  EXPECT_TRUE(three->alias.empty());
  auto production = ParseVersionRef("production");
  ASSERT_TRUE(production.ok());
  EXPECT_EQ(production->number, 0);
  EXPECT_EQ(production->alias, "production");
  EXPECT_EQ(production->ToString(), "alias 'production'");
  auto mixed = ParseVersionRef("2b");  // starts with a digit but is a name
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->alias, "2b");
}

TEST(ParseVersionRefTest, RefusesWhatIsNeitherNamingIt) {
  for (const char* bad : {"0", "01", "-1", "..", "a/b", "%2e", "prod uction", ".hidden"}) {
    auto ref = ParseVersionRef(bad);
    EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace berth
