#include "protocol/feedback_json.h"

#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

TEST(FeedbackJsonTest, ParsesClassAndRegressionLabels) {
  absl::StatusOr<FeedbackRequest> c = ParseFeedbackJson(R"({"id": "r-1", "label": 2})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id, "r-1");
  EXPECT_EQ(c->label, 2);
  EXPECT_TRUE(c->label_is_integer);
  absl::StatusOr<FeedbackRequest> r = ParseFeedbackJson(R"({"label": 3.75, "id": "x"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->label, 3.75);
  EXPECT_FALSE(r->label_is_integer);
  // RapidJSON's own strtod crashed on this number (json_number.h).
  absl::StatusOr<FeedbackRequest> tiny =
      ParseFeedbackJson(R"({"id": "t", "label": 1.2980294063998833695e-330})");
  ASSERT_TRUE(tiny.ok()) << tiny.status();
  EXPECT_EQ(tiny->label, 0.0);
}

void ExpectRefused(const std::string& body, const std::string& words) {
  absl::StatusOr<FeedbackRequest> f = ParseFeedbackJson(body);
  ASSERT_FALSE(f.ok()) << body;
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find(words), std::string::npos) << f.status();
}

TEST(FeedbackJsonTest, RefusesBadBodiesByName) {
  ExpectRefused("", "not JSON");
  ExpectRefused("[1]", "JSON object");
  ExpectRefused(R"({"id": "a"})", "'label' is missing");
  ExpectRefused(R"({"label": 1})", "'id' is missing");
  ExpectRefused(R"({"id": 7, "label": 1})", "'id' must be a string");
  ExpectRefused(R"({"id": "", "label": 1})", "'id' must be 1 to");
  ExpectRefused(R"({"id": "a", "label": "cat"})", "'label' must be a number");
  ExpectRefused(R"({"id": "a", "label": [1]})", "'label' must be a number");
  ExpectRefused(R"({"id": "a", "label": 1, "weight": 2})", "unknown member 'weight'");
  ExpectRefused(R"({"id": "a", "label": 1e999})", "not JSON");
  ExpectRefused(std::string(kMaxFeedbackBodyBytes + 1, ' '), "more than the limit");
}

TEST(FeedbackJsonTest, WritesTheReply) {
  FeedbackReply c{"m", 3, "r-1", true, 2, 2, true, 0};
  EXPECT_EQ(FeedbackReplyJson(c),
            R"({"model":"m","model_version":"3","id":"r-1","task":"classification",)"
            R"("predicted":2,"label":2,"correct":true})");
  FeedbackReply r{"m", 1, "x", false, 3.5, 3.75, false, 0.25};
  EXPECT_EQ(FeedbackReplyJson(r),
            R"({"model":"m","model_version":"1","id":"x","task":"regression",)"
            R"("predicted":3.5,"label":3.75,"absolute_error":0.25})");
}

}  // namespace
}  // namespace berth::protocol
