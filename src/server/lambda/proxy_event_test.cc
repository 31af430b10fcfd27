#include "server/lambda/proxy_event.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace berth::server::lambda {
namespace {

TEST(ProxyEventTest, ReadsVersion1) {
  auto e = ParseProxyEvent(
      R"({"httpMethod":"POST","path":"/v2/models/m/infer?x=1","headers":{"X-Request-Id":"a"},)"
      R"("body":"{}","isBase64Encoded":false})",
      8);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->method, "POST");
  EXPECT_EQ(e->path, "/v2/models/m/infer");
  EXPECT_EQ(e->headers.at("x-request-id"), "a");
  EXPECT_EQ(e->body, "{}");
}

TEST(ProxyEventTest, ReadsVersion2WithBase64Body) {
  auto e = ParseProxyEvent(
      R"({"version":"2.0","rawPath":"/p","requestContext":{"http":{"method":"POST"}},)"
      R"("body":"e30=","isBase64Encoded":true})",
      8);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->method, "POST");
  EXPECT_EQ(e->path, "/p");
  EXPECT_EQ(e->body, "{}");
}

TEST(ProxyEventTest, RefusesWhatIsNoProxyEvent) {
  EXPECT_FALSE(ParseProxyEvent("not json", 8).ok());
  EXPECT_FALSE(ParseProxyEvent("[1]", 8).ok());
  EXPECT_FALSE(ParseProxyEvent(R"({"path":"/p"})", 8).ok());
  EXPECT_FALSE(ParseProxyEvent(R"({"httpMethod":1,"path":"/p"})", 8).ok());
  EXPECT_FALSE(ParseProxyEvent(R"({"version":"2.0","rawPath":"/p"})", 8).ok());
  EXPECT_FALSE(
      ParseProxyEvent(R"({"httpMethod":"POST","path":"/p","body":"%%","isBase64Encoded":true})", 8)
          .ok());
  EXPECT_FALSE(ParseProxyEvent(R"({"httpMethod":"POST","path":"/p","headers":{"a":1}})", 8).ok());
  auto deep = ParseProxyEvent(R"({"httpMethod":"POST","path":"/p","x":[[[[[[[[[]]]]]]]]]})", 4);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deeper"), absl::string_view::npos);
}

TEST(ProxyEventTest, WritesResponses) {
  ProxyResponse text = JsonProxyResponse(404, R"({"error":"no \"m\""})");
  rapidjson::Document d;
  d.Parse(ProxyResponseJson(text).c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["statusCode"].GetInt(), 404);
  EXPECT_STREQ(d["headers"]["Content-Type"].GetString(), "application/json");
  EXPECT_STREQ(d["body"].GetString(), R"({"error":"no \"m\""})");
  EXPECT_FALSE(d["isBase64Encoded"].GetBool());
  ProxyResponse bytes;
  bytes.binary = true;
  bytes.body = std::string("{}\0\1", 4);
  d.Parse(ProxyResponseJson(bytes).c_str());
  EXPECT_STREQ(d["body"].GetString(), "e30AAQ==");
  EXPECT_TRUE(d["isBase64Encoded"].GetBool());
}

}  // namespace
}  // namespace berth::server::lambda
