#include <cmath>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

template <typename T>
Tensor RandomInts(Shape shape, uint32_t seed, int lo, int hi) {
  Tensor t(DataTypeOf<T>::value, shape);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  for (T& v : t.span<T>()) v = static_cast<T>(dist(rng));
  return t;
}

// (t - zero_point[channel]) as float, channel = index / per_channel_block % channels.
template <typename T>
Tensor Shifted(const Tensor& t, const std::vector<int>& zp, int64_t block) {
  Tensor f(DataType::kFloat, t.shape());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    int z = zp.size() == 1 ? zp[0] : zp[(i / block) % zp.size()];
    f.data<float>()[i] = static_cast<float>(t.data<T>()[i]) - z;
  }
  return f;
}

TEST(ConvIntegerTest, OnnxExamples) {
  Tensor x = MakeTensor<uint8_t>({1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10});
  Tensor w = MakeTensor<uint8_t>({1, 1, 2, 2}, {1, 1, 1, 1});
  Tensor xz = MakeTensor<uint8_t>({}, {1});
  auto out = RunNode(MakeNode("ConvInteger", 3), 10, {&x, &w, &xz});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int32_t>({1, 1, 2, 2}, {12, 16, 24, 28}));
  out = RunNode(MakeNode("ConvInteger", 3, 1, {{"pads", IntsAttr({1, 1, 1, 1})}}), 10,
                {&x, &w, &xz});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int32_t>({1, 1, 4, 4}, {1, 3, 5, 3, 5, 12, 16, 9, 11,
                                                                 24, 28, 15, 7, 15, 17, 9}));
}

TEST(ConvIntegerTest, SignedAndGroupedMatchFloatConv) {
  Tensor x = RandomInts<int8_t>({2, 4, 6, 5}, 1, -128, 127);
  Tensor w = RandomInts<uint8_t>({6, 2, 3, 2}, 2, 0, 255);
  Tensor xz = MakeTensor<int8_t>({}, {-3});
  Tensor wz = MakeTensor<uint8_t>({6}, {128, 120, 0, 255, 7, 130});
  Node node = MakeNode("ConvInteger", 4, 1,
                       {{"group", IntAttr(2)},
                        {"strides", IntsAttr({2, 1})},
                        {"pads", IntsAttr({1, 0, 0, 1})}});
  auto out = RunNode(node, 10, {&x, &w, &xz, &wz});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor ref = RefConv(Shifted<int8_t>(x, {-3}, 1),
                       Shifted<uint8_t>(w, {128, 120, 0, 255, 7, 130}, 2 * 3 * 2), nullptr, 2,
                       {{2, 1}, {1, 1}, {1, 0}, {0, 1}});
  ASSERT_EQ((*out)[0].shape(), ref.shape());
  for (int64_t i = 0; i < ref.num_elements(); ++i) {
    ASSERT_EQ((*out)[0].data<int32_t>()[i], static_cast<int32_t>(ref.data<float>()[i])) << i;
  }
}

TEST(QLinearConvTest, RequantizesPerChannel) {
  Tensor x = RandomInts<uint8_t>({1, 3, 5, 5}, 3, 0, 255);
  Tensor w = RandomInts<int8_t>({4, 3, 3, 3}, 4, -127, 127);
  Tensor x_scale = MakeTensor<float>({}, {0.02f});
  Tensor x_zp = MakeTensor<uint8_t>({}, {120});
  Tensor w_scale = MakeTensor<float>({4}, {0.01f, 0.005f, 0.02f, 0.001f});
  Tensor w_zp = MakeTensor<int8_t>({4}, {0, 0, 0, 0});
  Tensor y_scale = MakeTensor<float>({}, {0.1f});
  Tensor y_zp = MakeTensor<int8_t>({}, {-5});
  Tensor bias = MakeTensor<int32_t>({4}, {100, -2000, 0, 50000});
  Node node = MakeNode("QLinearConv", 9, 1, {{"pads", IntsAttr({1, 1, 1, 1})}});
  auto out = RunNode(node, 10,
                     {&x, &x_scale, &x_zp, &w, &w_scale, &w_zp, &y_scale, &y_zp, &bias});
  ASSERT_TRUE(out.ok()) << out.status();
  const Tensor& y = (*out)[0];
  ASSERT_EQ(y.dtype(), DataType::kInt8);
  Tensor acc = RefConv(Shifted<uint8_t>(x, {120}, 1), Shifted<int8_t>(w, {0}, 1), nullptr, 1,
                       {{1, 1}, {1, 1}, {1, 1}, {1, 1}});
  ASSERT_EQ(y.shape(), acc.shape());
  for (int64_t i = 0; i < acc.num_elements(); ++i) {
    const int64_t ch = i / 25;
    const float scale = 0.02f * w_scale.data<float>()[ch] / 0.1f;
    double v = std::nearbyint((acc.data<float>()[i] + bias.data<int32_t>()[ch]) * scale) - 5;
    int expected = static_cast<int>(std::min(127.0, std::max(-128.0, v)));
    ASSERT_EQ(y.data<int8_t>()[i], expected) << "at " << i;
  }
}

TEST(ConvIntegerTest, RejectsBadZeroPointsAndTypes) {
  Tensor x = RandomInts<uint8_t>({1, 2, 4, 4}, 5, 0, 255);
  Tensor w = RandomInts<uint8_t>({3, 2, 3, 3}, 6, 0, 255);
  Tensor xz_wrong_type = MakeTensor<int8_t>({}, {1});
  Tensor wz_wrong_count = MakeTensor<uint8_t>({2}, {1, 2});
  Tensor xz = MakeTensor<uint8_t>({}, {1});
  EXPECT_EQ(RunNode(MakeNode("ConvInteger", 3), 10, {&x, &w, &xz_wrong_type}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(MakeNode("ConvInteger", 4), 10, {&x, &w, &xz, &wz_wrong_count}).ok());
  Tensor w_bad = RandomInts<uint8_t>({3, 3, 3, 3}, 7, 0, 255);
  EXPECT_FALSE(RunNode(MakeNode("ConvInteger", 2), 10, {&x, &w_bad}).ok());
  Tensor scale = MakeTensor<float>({}, {1.f});
  Tensor bad_scale = MakeTensor<float>({2}, {1.f, 1.f});
  EXPECT_FALSE(RunNode(MakeNode("QLinearConv", 8), 10,
                       {&x, &scale, &xz, &w, &bad_scale, &xz, &scale, &xz})
                   .ok());
}

}  // namespace
}  // namespace berth::engine::testing
