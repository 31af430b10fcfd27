#include "engine/kernels/text/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

TEST(Utf8Test, RoundTripsAllLengths) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";  // a é 中 😀
  std::u32string code_points;
  ASSERT_TRUE(DecodeUtf8(text, &code_points));
  EXPECT_EQ(code_points, (std::u32string{U'a', 0xE9, 0x4E2D, 0x1F600}));
  std::string back;
  for (char32_t c : code_points) AppendUtf8(c, &back);
  EXPECT_EQ(back, text);
}

TEST(Utf8Test, RejectsMalformedInput) {
  std::u32string out;
  for (const char* bad : {"\xff", "\xC3", "\xE4\xB8", "\xC0\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\x80"}) {
    EXPECT_FALSE(DecodeUtf8(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace berth::engine
