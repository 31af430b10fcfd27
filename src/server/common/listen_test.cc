#include "server/common/listen.h"

#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

namespace berth::server {
namespace {

using Segments = std::vector<absl::string_view>;

TEST(SplitRequestPathTest, SplitsAndDropsTheQuery) {
  absl::StatusOr<Segments> s = SplitRequestPath("/v1/models/m/?alias=a/b");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, (Segments{"v1", "models", "m"}));
  s = SplitRequestPath("/");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->empty());
}

TEST(SplitRequestPathTest, RefusesDotsEmptySegmentsAndRelativeTargets) {
  for (const char* target :
       {"", "v1/models", "/v1//models", "/v1/./models", "/v1/../x", "http://host/v1"}) {
    EXPECT_EQ(SplitRequestPath(target).status().code(), absl::StatusCode::kInvalidArgument)
        << target;
  }
}

TEST(ListenTest, BindsAFreePortAndNamesWhatFailed) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor first(context);
  ASSERT_TRUE(Listen(first, "127.0.0.1", 0, "test API").ok());
  const int port = first.local_endpoint().port();
  EXPECT_GT(port, 0);
  boost::asio::ip::tcp::acceptor second(context);
  absl::Status taken = Listen(second, "127.0.0.1", port, "test API");
  EXPECT_EQ(taken.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(taken.message().find("test API"), std::string::npos) << taken;
  boost::asio::ip::tcp::acceptor third(context);
  absl::Status unresolved = Listen(third, "no.such.host.invalid", 0, "test API");
  EXPECT_EQ(unresolved.code(), absl::StatusCode::kUnavailable) << unresolved;
}

}  // namespace
}  // namespace berth::server
