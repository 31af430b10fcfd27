#include "registry/types.h"

#include "gtest/gtest.h"

namespace berth::registry {
namespace {

TEST(RolloutStateTest, NamesRoundTrip) {
  for (RolloutState state : {RolloutState::kActive, RolloutState::kPromoted,
                             RolloutState::kRolledBack, RolloutState::kAborted}) {
    EXPECT_EQ(*ParseRolloutState(RolloutStateName(state)), state);
  }
  EXPECT_EQ(RolloutStateName(RolloutState::kRolledBack), "rolled_back");
  absl::StatusOr<RolloutState> unknown = ParseRolloutState("paused");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("'paused'"), std::string::npos);
}

TEST(Rfc3339UtcTest, MicrosecondsInUtc) {
  EXPECT_EQ(Rfc3339Utc(absl::FromUnixMicros(1796594110123456)), "2026-12-06T21:55:10.123456Z");
  EXPECT_EQ(Rfc3339Utc(absl::UnixEpoch()), "1970-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace berth::registry
