#include "server/common/request_id.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace berth::server {
namespace {

constexpr char kGoodTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RequestIdTest, PrintableIdsUpToTheLimitAreValid) {
  EXPECT_TRUE(ValidateRequestId("a", "id").ok());
  EXPECT_TRUE(ValidateRequestId("req 7/retry=2;x~!", "id").ok());
  EXPECT_TRUE(ValidateRequestId(std::string(kMaxRequestIdLength, 'z'), "id").ok());
}

TEST(RequestIdTest, EmptyLongAndUnprintableIdsAreRefusedNamingWhat) {
  const std::string nul("a\0b", 3);
  for (const std::string& bad : {std::string(), std::string(kMaxRequestIdLength + 1, 'z'),
                                 std::string("a\nb"), std::string("a\rb"), std::string("tab\there"),
                                 std::string("caf\xc3\xa9"), std::string("del\x7f"), nul}) {
    absl::Status st = ValidateRequestId(bad, "the x-request-id header");
    EXPECT_TRUE(absl::IsInvalidArgument(st)) << bad;
    EXPECT_NE(st.message().find("the x-request-id header"), absl::string_view::npos) << st;
  }
  EXPECT_NE(ValidateRequestId("a\nb", "h").message().find("0x0a at position 1"),
            absl::string_view::npos);
  EXPECT_NE(ValidateRequestId(std::string(200, 'z'), "h").message().find("200"),
            absl::string_view::npos);
}

TEST(RequestIdTest, GeneratedIdsAre32HexDigitsAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string id = GenerateRequestId();
    ASSERT_EQ(id.size(), 32u) << id;
    ASSERT_TRUE(IsLowerHex(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated " << id;
  }
}

TEST(RequestIdTest, ThreadsGenerateDifferentIds) {
  // Each thread has its own generator: they must not start from the same seed.
  std::vector<std::string> first(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < first.size(); ++i) {
    threads.emplace_back([&first, i] { first[i] = GenerateRequestId(); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size());
}

TEST(RequestIdTest, TheBodyIdWinsThenTheHeaderThenAGeneratedOne) {
  EXPECT_EQ(*ChooseRequestId("body-1", absl::string_view("hdr-1")), "body-1");
  EXPECT_EQ(*ChooseRequestId("", absl::string_view("hdr-1")), "hdr-1");
  absl::StatusOr<std::string> generated = ChooseRequestId("", std::nullopt);
  ASSERT_TRUE(generated.ok());
  EXPECT_EQ(generated->size(), 32u);
  EXPECT_NE(*generated, *ChooseRequestId("", std::nullopt));
}

TEST(RequestIdTest, ChooseRefusesABadHeaderOrBodyIdNamingIt) {
  absl::StatusOr<std::string> header = ChooseRequestId("", absl::string_view("bad\x01"));
  EXPECT_TRUE(absl::IsInvalidArgument(header.status()));
  EXPECT_NE(header.status().message().find("x-request-id"), absl::string_view::npos);
  absl::StatusOr<std::string> empty_header = ChooseRequestId("", absl::string_view(""));
  EXPECT_TRUE(absl::IsInvalidArgument(empty_header.status()));
  absl::StatusOr<std::string> body =
      ChooseRequestId(std::string(kMaxRequestIdLength + 1, 'b'), std::nullopt);
  EXPECT_TRUE(absl::IsInvalidArgument(body.status()));
  EXPECT_NE(body.status().message().find("\"id\""), absl::string_view::npos);
  // A valid body id makes the header irrelevant, even a bad one.
  EXPECT_EQ(*ChooseRequestId("body", absl::string_view("bad\x01")), "body");
}

TEST(TraceparentTest, AWellFormedValueIsKept) {
  std::optional<absl::string_view> kept = ParseTraceparent(kGoodTraceparent);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(*kept, kGoodTraceparent);
  EXPECT_TRUE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
}

TEST(TraceparentTest, ALaterVersionKeepsItsFirst55Characters) {
  const std::string later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_EQ(ParseTraceparent(later), later);
  EXPECT_EQ(ParseTraceparent(later + "-what-comes-next"), later);
  EXPECT_FALSE(ParseTraceparent(later + "x"));
}

TEST(TraceparentTest, MalformedValuesAreIgnored) {
  const std::string good = kGoodTraceparent;
  const std::vector<std::string> bad = {
      "",
      "00",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version not hex
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",   // upper case
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // trace id all zeros
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // parent id all zeros
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // trace id too short
      "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",  // trace id too long
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",    // parent id too short
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",    // flags too short
      good + "-extra",                                             // version 00 is exact
      good + "0",
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",  // wrong separators
      " " + good,
  };
  for (const std::string& value : bad) EXPECT_FALSE(ParseTraceparent(value)) << value;
}

}  // namespace
}  // namespace berth::server
