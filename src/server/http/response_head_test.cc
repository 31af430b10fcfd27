#include "server/http/response_head.h"

#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace berth::server {
namespace {

namespace http = boost::beast::http;

// Parses head + body with Beast's own response parser: what a client will make of it.
http::response<http::string_body> ParseBack(const HttpReply& reply, bool keep_alive) {
  std::string head;
  WriteResponseHead(reply, keep_alive, &head);
  const std::string wire = head + reply.body;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << wire;
  EXPECT_EQ(used, wire.size());
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(ResponseHeadTest, AKeepAliveJsonReply) {
  HttpReply reply;
  reply.body = R"({"model_name":"m"})";
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.reason(), "OK");
  EXPECT_EQ(res[http::field::server], "berth");
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), reply.body);
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(res.find("Inference-Header-Content-Length"), res.end());
}

TEST(ResponseHeadTest, BinaryTensorsAnnounceTheirJsonHeader) {
  HttpReply reply;
  reply.content_type = "application/octet-stream";
  reply.body = std::string("{\"a\":1}") + std::string("\0\1\2\3", 4);
  reply.json_header_size = 7;
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res["Inference-Header-Content-Length"], "7");
  EXPECT_EQ(res.body().size(), 11u);
  EXPECT_EQ(res.body(), reply.body);
}

TEST(ResponseHeadTest, AnInferReplyNamesTheVersionAndDigestThatServedIt) {
  HttpReply reply;
  reply.body = "{}";
  reply.model_version = "3";
  reply.model_digest = std::string(64, 'a');
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res["Berth-Model-Version"], "3");
  EXPECT_EQ(res["Berth-Model-Digest"], std::string(64, 'a'));
  EXPECT_EQ(res.find("x-request-id"), res.end());
}

TEST(ResponseHeadTest, AnInferReplyEchoesItsRequestId) {
  HttpReply reply;
  reply.status = 400;
  reply.body = R"({"error":"bad"})";
  reply.request_id = "req 7/a=b";
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res["x-request-id"], "req 7/a=b");
}

TEST(ResponseHeadTest, ErrorsAllowAndClose) {
  HttpReply reply;
  reply.status = 405;
  reply.allow = "POST";
  reply.body = R"({"error":"no"})";
  auto res = ParseBack(reply, false);
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res.reason(), "Method Not Allowed");
  EXPECT_EQ(res[http::field::allow], "POST");
  EXPECT_FALSE(res.keep_alive());
}

TEST(ResponseHeadTest, AnEmptyBodyAndNoContentType) {
  HttpReply reply;
  reply.status = 503;
  reply.content_type.clear();
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.find(http::field::content_type), res.end());
  EXPECT_EQ(res[http::field::content_length], "0");
}

TEST(ResponseHeadTest, LineBreaksInAValueCannotSplitTheHeader) {
  HttpReply reply;
  reply.content_type = "text/plain\r\nX-Injected: 1";
  auto res = ParseBack(reply, true);
  EXPECT_EQ(res.find("X-Injected"), res.end());
  EXPECT_EQ(res[http::field::content_type], "text/plainX-Injected: 1");
}

}  // namespace
}  // namespace berth::server
