#include "server/common/admin_auth.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace berth::server {
namespace {

TEST(AdminAuthTest, NoTokenConfiguredAllowsEveryCall) {
  EXPECT_TRUE(CheckAdminToken("", "").ok());
  EXPECT_TRUE(CheckAdminToken("Bearer anything", "").ok());
}

TEST(AdminAuthTest, TheRightBearerTokenPassesAndEverythingElseIsUnauthenticated) {
  EXPECT_TRUE(CheckAdminToken("Bearer s3cret", "s3cret").ok());
  for (const char* header : {"", "s3cret", "Bearer s3cre", "Bearer s3cret ", "bearer s3cret",
                             "Basic s3cret", "Bearer "}) {
    absl::Status st = CheckAdminToken(header, "s3cret");
    EXPECT_TRUE(absl::IsUnauthenticated(st)) << header;
    EXPECT_EQ(st.message().find("s3cret"), absl::string_view::npos) << st;
  }
}

class TokenFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("berth_token_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

TEST_F(TokenFileTest, ReadsTheFirstLineTrimmed) {
  auto token = ReadAdminToken(Write("ok", "  abc123 \nsecond line\n"));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "abc123");
}

TEST_F(TokenFileTest, RefusesMissingEmptyHugeAndControlBytes) {
  EXPECT_FALSE(ReadAdminToken("/nonexistent/berth/token").ok());
  EXPECT_FALSE(ReadAdminToken(Write("empty", " \n")).ok());
  EXPECT_FALSE(ReadAdminToken(Write("huge", std::string(5000, 'a'))).ok());
  absl::Status st = ReadAdminToken(Write("ctl", std::string("ab\x01") + "c")).status();
  EXPECT_TRUE(absl::IsInvalidArgument(st)) << st;
  EXPECT_NE(st.message().find("control"), absl::string_view::npos) << st;
}

}  // namespace
}  // namespace berth::server
