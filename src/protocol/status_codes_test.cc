#include "protocol/status_codes.h"

#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

TEST(StatusCodesTest, HttpStatusesAsTritonAnswers) {
  EXPECT_EQ(HttpStatusFor(absl::OkStatus()), 200);
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::FailedPreconditionError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("queue full")), 503);
  EXPECT_EQ(HttpStatusFor(absl::DeadlineExceededError("x")), 504);
  EXPECT_EQ(HttpStatusFor(absl::UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpStatusFor(absl::UnimplementedError("x")), 501);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::DataLossError("x")), 500);
}

TEST(StatusCodesTest, GrpcCodesAreTheCanonicalOnes) {
  EXPECT_EQ(GrpcCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(GrpcCodeFor(absl::InvalidArgumentError("x")), 3);  // INVALID_ARGUMENT
  EXPECT_EQ(GrpcCodeFor(absl::NotFoundError("x")), 5);         // NOT_FOUND
  EXPECT_EQ(GrpcCodeFor(absl::UnavailableError("x")), 14);     // UNAVAILABLE
  EXPECT_EQ(GrpcCodeFor(absl::InternalError("x")), 13);        // INTERNAL
}

TEST(StatusCodesTest, ErrorBodyIsEscapedJson) {
  EXPECT_EQ(ErrorJson(absl::NotFoundError("unknown model 'a\"b'\n")),
            R"({"error":"unknown model 'a\"b'\n"})");
  EXPECT_EQ(ErrorJson(absl::InternalError("")), R"({"error":"INTERNAL"})");
}

}  // namespace
}  // namespace berth::protocol
