#include "engine/kernels/nn/window.h"

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::IntAttr;
using testing::IntsAttr;
using testing::MakeNode;
using testing::StringAttr;

absl::StatusOr<WindowAttrs> Read(std::map<std::string, Attribute> attrs, bool require = false) {
  Node node = MakeNode("MaxPool", 1, 1, std::move(attrs));
  KernelInfo info(node, 13, {DataType::kFloat}, {nullptr});
  return ReadWindowAttrs(info, require);
}

TEST(WindowTest, ExplicitPadsFloorAndCeil) {
  auto attrs = Read({{"kernel_shape", IntsAttr({3})}, {"strides", IntsAttr({2})},
                     {"pads", IntsAttr({1, 1})}});
  ASSERT_TRUE(attrs.ok()) << attrs.status();
  auto w = ResolveWindow(*attrs, {8}, {3}, "MaxPool");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->out[0], 4);  // (8 + 2 - 3) / 2 + 1
  EXPECT_FALSE(w->ceil_extended);
  attrs->ceil_mode = true;
  w = ResolveWindow(*attrs, {8}, {3}, "MaxPool");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->out[0], 5);  // ceil(7 / 2) + 1
  EXPECT_TRUE(w->ceil_extended);
  EXPECT_EQ(w->pad_end[0], 2);
  EXPECT_EQ(w->pad_end_attr[0], 1);
}

TEST(WindowTest, CeilModeDropsWindowStartingInEndPadding) {
  // in 4, kernel 1, stride 2, pads 1/1: ceil gives 4 windows, the last would start in padding.
  auto attrs = Read({{"kernel_shape", IntsAttr({1})}, {"strides", IntsAttr({2})},
                     {"pads", IntsAttr({1, 1})}, {"ceil_mode", IntAttr(1)}});
  ASSERT_TRUE(attrs.ok());
  auto w = ResolveWindow(*attrs, {4}, {1}, "MaxPool");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->out[0], 3);
}

TEST(WindowTest, AutoPadSameAndValid) {
  auto upper = Read({{"auto_pad", StringAttr("SAME_UPPER")}, {"strides", IntsAttr({2, 1})}});
  ASSERT_TRUE(upper.ok());
  auto w = ResolveWindow(*upper, {7, 5}, {4, 2}, "Conv");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->out[0], 4);  // ceil(7 / 2)
  EXPECT_EQ(w->pad_begin[0], 1);  // total 3: 1 before, 2 after
  EXPECT_EQ(w->pad_end[0], 2);
  EXPECT_EQ(w->out[1], 5);
  EXPECT_EQ(w->pad_begin[1], 0);  // total 1 goes after
  EXPECT_EQ(w->pad_end[1], 1);

  auto lower = Read({{"auto_pad", StringAttr("SAME_LOWER")}, {"strides", IntsAttr({2, 1})}});
  w = ResolveWindow(*lower, {7, 5}, {4, 2}, "Conv");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->pad_begin[0], 2);
  EXPECT_EQ(w->pad_end[0], 1);
  EXPECT_EQ(w->pad_begin[1], 1);

  auto valid = Read({{"auto_pad", StringAttr("VALID")}, {"pads", IntsAttr({5, 5, 5, 5})}});
  w = ResolveWindow(*valid, {7, 5}, {3, 3}, "Conv");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->out[0], 5);
  EXPECT_EQ(w->out[1], 3);
  EXPECT_EQ(w->pad_begin[0], 0);
}

TEST(WindowTest, Dilation) {
  auto attrs = Read({{"dilations", IntsAttr({3})}});
  auto w = ResolveWindow(*attrs, {10}, {3}, "Conv");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->effective_kernel(0), 7);
  EXPECT_EQ(w->out[0], 4);
}

TEST(WindowTest, RejectsBadAttributes) {
  EXPECT_FALSE(Read({{"auto_pad", StringAttr("SAME")}}).ok());
  EXPECT_FALSE(Read({{"strides", IntsAttr({0})}}).ok());
  EXPECT_FALSE(Read({{"pads", IntsAttr({-1, 0})}}).ok());
  EXPECT_FALSE(Read({{"pads", IntsAttr({1, 0, 0})}}).ok());
  EXPECT_FALSE(Read({{"kernel_shape", IntsAttr({2, 2})}, {"strides", IntsAttr({1})}}).ok());
  EXPECT_FALSE(Read({{"strides", IntsAttr({1})}}, /*require=*/true).ok());
  EXPECT_FALSE(Read({{"kernel_shape", IntAttr(2)}}).ok());  // wrong attribute type
}

TEST(WindowTest, RejectsWindowsThatDoNotFit) {
  auto attrs = Read({});
  ASSERT_TRUE(attrs.ok());
  EXPECT_FALSE(ResolveWindow(*attrs, {2}, {3}, "Conv").ok());
  auto two_d = Read({{"strides", IntsAttr({1, 1})}});
  EXPECT_FALSE(ResolveWindow(*two_d, {5}, {3}, "Conv").ok());  // attribute rank mismatch
  EXPECT_FALSE(ResolveWindow(*attrs, {5, 5}, {3}, "Conv").ok());
}

}  // namespace
}  // namespace berth::engine
