#include "engine/core/channels_last.h"

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using Perm = std::vector<int64_t>;

TEST(ChannelsLastTest, PermsMoveTheChannelAxisAndInvertEachOther) {
  EXPECT_EQ(ToChannelsLastPerm(4), (Perm{0, 2, 3, 1}));
  EXPECT_EQ(ToChannelsFirstPerm(4), (Perm{0, 3, 1, 2}));
  EXPECT_EQ(ToChannelsLastPerm(3), (Perm{0, 2, 1}));
  EXPECT_EQ(ToChannelsFirstPerm(5), (Perm{0, 4, 1, 2, 3}));
  for (int rank = 3; rank <= 5; ++rank) {
    const Perm to_last = ToChannelsLastPerm(rank);
    const Perm to_first = ToChannelsFirstPerm(rank);
    for (int i = 0; i < rank; ++i) EXPECT_EQ(to_last[to_first[i]], i) << "rank " << rank;
  }
}

TEST(ChannelsLastTest, ShapesRoundTrip) {
  EXPECT_EQ(ChannelsLastShape({2, 3, 5, 7}), (Shape{2, 5, 7, 3}));
  EXPECT_EQ(ChannelsFirstShape({2, 5, 7, 3}), (Shape{2, 3, 5, 7}));
  EXPECT_EQ(ChannelsLastShape({1, 8, 4, 4, 2}), (Shape{1, 4, 4, 2, 8}));
  EXPECT_EQ(ChannelsFirstShape(ChannelsLastShape({1, 8, 4, 4, 2})), (Shape{1, 8, 4, 4, 2}));
  EXPECT_EQ(ChannelsLastShape({4, 9}), (Shape{4, 9}));  // no channel axis to move
}

}  // namespace
}  // namespace berth::engine
