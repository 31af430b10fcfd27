// Clip (attribute and input bounds), PRelu (old channel rules and broadcasting), Dropout.
#include <cmath>
#include <limits>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

TEST(ClipTest, AttributeBoundsBeforeOpset11) {
  Tensor x = MakeTensor<float>({4}, {-2, -0.25f, 0.25f, 2});
  Node node = MakeNode("Clip", 1, 1, {{"min", FloatAttr(-0.5f)}, {"max", FloatAttr(0.5f)}});
  ExpectTensorNear((*RunNode(node, 6, {&x}))[0],
                   MakeTensor<float>({4}, {-0.5f, -0.25f, 0.25f, 0.5f}));
  // Default bounds are -+FLT_MAX: infinities clamp to them.
  Tensor inf = MakeTensor<float>({2}, {INFINITY, NAN});
  Tensor y = std::move((*RunNode(MakeNode("Clip", 1), 6, {&inf}))[0]);
  EXPECT_EQ(y.data<float>()[0], std::numeric_limits<float>::max());
  EXPECT_TRUE(std::isnan(y.data<float>()[1]));
  EXPECT_EQ(RunNode(MakeNode("Clip", 1, 1, {{"min", IntAttr(0)}}), 6, {&x}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClipTest, InputBoundsFromOpset11) {
  Tensor x = MakeTensor<float>({4}, {-2, -0.25f, 0.25f, 2});
  Tensor lo = MakeTensor<float>({}, {-1});
  Tensor hi = MakeTensor<float>({}, {0});
  ExpectTensorNear((*RunNode(MakeNode("Clip", 3), 13, {&x, &lo, &hi}))[0],
                   MakeTensor<float>({4}, {-1, -0.25f, 0, 0}));
  Node no_min = MakeNode("Clip", 3);
  no_min.inputs[1] = "";  // a missing optional input
  ExpectTensorNear((*RunNode(no_min, 11, {&x, nullptr, &hi}))[0],
                   MakeTensor<float>({4}, {-2, -0.25f, 0, 0}));
  ExpectTensorNear((*RunNode(MakeNode("Clip", 2), 12, {&x, &lo}))[0],
                   MakeTensor<float>({4}, {-1, -0.25f, 0.25f, 2}));
  ExpectTensorNear((*RunNode(MakeNode("Clip", 1), 13, {&x}))[0], x);
  // min > max: everything becomes max, as numpy.clip gives.
  ExpectTensorNear((*RunNode(MakeNode("Clip", 3), 13, {&x, &hi, &lo}))[0],
                   MakeTensor<float>({4}, {-1, -1, -1, -1}));
  Tensor i8 = MakeTensor<int8_t>({3}, {-128, 5, 127});
  Tensor i8lo = MakeTensor<int8_t>({}, {-10});
  ExpectTensorNear((*RunNode(MakeNode("Clip", 2), 13, {&i8, &i8lo}))[0],
                   MakeTensor<int8_t>({3}, {-10, 5, 127}));
  Tensor two = MakeTensor<float>({2}, {0, 1});
  EXPECT_EQ(RunNode(MakeNode("Clip", 2), 13, {&x, &two}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor dlo = MakeTensor<double>({}, {0});
  EXPECT_EQ(RunNode(MakeNode("Clip", 2), 13, {&x, &dlo}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PReluTest, BroadcastSlopeFromOpset7) {
  Tensor x = MakeTensor<float>({2, 3}, {-1, 2, -3, 4, -5, 6});
  Tensor slope = MakeTensor<float>({3}, {0.1f, 0.2f, 0.3f});
  ExpectTensorNear((*RunNode(MakeNode("PRelu", 2), 16, {&x, &slope}))[0],
                   MakeTensor<float>({2, 3}, {-0.1f, 2, -0.9f, 4, -1.0f, 6}));
  Tensor bad = MakeTensor<float>({2, 2, 3}, std::vector<float>(12, 1));
  EXPECT_EQ(RunNode(MakeNode("PRelu", 2), 16, {&x, &bad}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor xi = MakeTensor<int32_t>({2}, {-4, 4});
  Tensor si = MakeTensor<int32_t>({1}, {3});
  ExpectTensorNear((*RunNode(MakeNode("PRelu", 2), 9, {&xi, &si}))[0],
                   MakeTensor<int32_t>({2}, {-12, 4}));
}

TEST(PReluTest, ChannelSlopeBeforeOpset7) {
  // x [N=1, C=2, 3]: slope [2] is per channel (dimension 1), not per last dimension.
  Tensor x = MakeTensor<float>({1, 2, 3}, {-1, -2, 3, -4, 5, -6});
  Tensor slope = MakeTensor<float>({2}, {0.5f, 0.25f});
  ExpectTensorNear((*RunNode(MakeNode("PRelu", 2), 6, {&x, &slope}))[0],
                   MakeTensor<float>({1, 2, 3}, {-0.5f, -1, 3, -1, 5, -1.5f}));
  Tensor one = MakeTensor<float>({1}, {0.1f});
  ExpectTensorNear((*RunNode(MakeNode("PRelu", 2), 1, {&x, &one}))[0],
                   MakeTensor<float>({1, 2, 3}, {-0.1f, -0.2f, 3, -0.4f, 5, -0.6f}));
}

TEST(DropoutTest, InferenceIsIdentity) {
  Tensor x = MakeTensor<float>({2, 2}, {1, -2, 3, -4});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("Dropout", 1, 2, {{"ratio", FloatAttr(0.2f)}}), 11, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], x);
  ExpectTensorNear((*out)[1], MakeTensor<bool>({2, 2}, {true, true, true, true}));
  // Before opset 10 the mask has the input's type.
  out = RunNode(MakeNode("Dropout", 1, 2, {{"is_test", IntAttr(1)}}), 6, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<float>({2, 2}, {1, 1, 1, 1}));
  Tensor ratio = MakeTensor<float>({}, {0.75f});
  Tensor off = MakeTensor<bool>({}, {false});
  out = RunNode(MakeNode("Dropout", 3, 2), 13, {&x, &ratio, &off});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], x);
  Tensor d = MakeTensor<double>({1}, {2.5});
  ExpectTensorNear((*RunNode(MakeNode("Dropout", 1), 13, {&d}))[0], d);
}

TEST(DropoutTest, TrainingModeOnlyWithZeroRatio) {
  Tensor x = MakeTensor<float>({3}, {1, 2, 3});
  Tensor zero = MakeTensor<float>({}, {0});
  Tensor half = MakeTensor<double>({}, {0.5});
  Tensor on = MakeTensor<bool>({}, {true});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("Dropout", 3, 2), 13, {&x, &zero, &on});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], x);
  ExpectTensorNear((*out)[1], MakeTensor<bool>({3}, {true, true, true}));
  // Refused at run time, and at load when the inputs are constants.
  EXPECT_EQ(RunNode(MakeNode("Dropout", 3), 13, {&x, &half, &on}).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunNode(MakeNode("Dropout", 3), 13, {&x, &half, &on}, true).status().code(),
            absl::StatusCode::kUnimplemented);
  Node no_ratio = MakeNode("Dropout", 3);
  no_ratio.inputs[1] = "";
  EXPECT_EQ(RunNode(no_ratio, 12, {&x, nullptr, &on}).status().code(),
            absl::StatusCode::kUnimplemented);  // default ratio 0.5
  Tensor two = MakeTensor<bool>({2}, {true, true});
  EXPECT_EQ(RunNode(MakeNode("Dropout", 3), 13, {&x, &zero, &two}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::engine
