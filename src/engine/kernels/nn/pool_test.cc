#include <cmath>
#include <limits>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

Tensor Iota(Shape shape, float start = 1.f) {
  Tensor t(DataType::kFloat, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = start + i;
  return t;
}

// Naive 2-D pooling over explicit (begin, end) pads; `kind` is "max", "avg", "avg_pad" (count
// padding) or "lp<p>". Output size given (it may include a ceil-mode extension).
Tensor RefPool2d(const Tensor& x, const std::string& kind, std::vector<int64_t> k,
                 std::vector<int64_t> s, std::vector<int64_t> d, std::vector<int64_t> pads,
                 std::vector<int64_t> out) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor y(DataType::kFloat, {n, c, out[0], out[1]});
  for (int64_t p = 0; p < n * c; ++p) {
    const float* xp = x.data<float>() + p * h * w;
    for (int64_t oy = 0; oy < out[0]; ++oy) {
      for (int64_t ox = 0; ox < out[1]; ++ox) {
        double acc = kind == "max" ? -std::numeric_limits<double>::infinity() : 0.0;
        int64_t valid = 0, padded = 0;
        for (int64_t ky = 0; ky < k[0]; ++ky) {
          for (int64_t kx = 0; kx < k[1]; ++kx) {
            int64_t iy = oy * s[0] - pads[0] + ky * d[0];
            int64_t ix = ox * s[1] - pads[1] + kx * d[1];
            if (iy < h + pads[2] && ix < w + pads[3]) ++padded;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            double v = xp[iy * w + ix];
            ++valid;
            if (kind == "max") {
              acc = std::max(acc, v);
            } else if (kind.rfind("lp", 0) == 0) {
              acc += std::pow(std::fabs(v), std::stod(kind.substr(2)));
            } else {
              acc += v;
            }
          }
        }
        double r = acc;
        if (kind == "avg") r = acc / valid;
        if (kind == "avg_pad") r = acc / padded;
        if (kind.rfind("lp", 0) == 0) r = std::pow(acc, 1.0 / std::stod(kind.substr(2)));
        y.data<float>()[(p * out[0] + oy) * out[1] + ox] = static_cast<float>(r);
      }
    }
  }
  return y;
}

TEST(MaxPoolTest, OnnxPrecomputedPads) {
  Tensor x = Iota({1, 1, 5, 5});
  Node node = MakeNode("MaxPool", 1, 1,
                       {{"kernel_shape", IntsAttr({5, 5})}, {"pads", IntsAttr({2, 2, 2, 2})}});
  auto out = RunNode(node, 12, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({1, 1, 5, 5}, {13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24,
                                                    25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25,
                                                    25}));
}

TEST(MaxPoolTest, IndicesInBothStorageOrders) {
  Tensor x = Iota({1, 1, 5, 5});
  for (int64_t order : {0, 1}) {
    Node node = MakeNode("MaxPool", 1, 2,
                         {{"kernel_shape", IntsAttr({2, 2})},
                          {"strides", IntsAttr({2, 2})},
                          {"storage_order", IntAttr(order)}});
    auto out = RunNode(node, 12, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 2, 2}, {7, 9, 17, 19}));
    std::vector<int64_t> want = order == 0 ? std::vector<int64_t>{6, 8, 16, 18}
                                           : std::vector<int64_t>{6, 16, 8, 18};
    ExpectTensorNear((*out)[1], MakeTensor<int64_t>({1, 1, 2, 2}, want));
  }
}

TEST(MaxPoolTest, IndicesCountPlaneOffsets) {
  Tensor x = RandomTensor({2, 3, 4, 4}, 1);
  Node node = MakeNode("MaxPool", 1, 2, {{"kernel_shape", IntsAttr({2, 2})},
                                         {"strides", IntsAttr({2, 2})}});
  auto out = RunNode(node, 12, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  for (int64_t i = 0; i < (*out)[0].num_elements(); ++i) {
    int64_t idx = (*out)[1].data<int64_t>()[i];
    EXPECT_EQ(idx / 16, i / 4);  // the maximum lies in the same (n, c) plane
    EXPECT_EQ(x.data<float>()[idx], (*out)[0].data<float>()[i]);
  }
}

TEST(MaxPoolTest, CeilModeOnOldAndNewOpsets) {
  Tensor x = Iota({1, 1, 4, 4});
  Node node = MakeNode("MaxPool", 1, 1,
                       {{"kernel_shape", IntsAttr({3, 3})},
                        {"strides", IntsAttr({2, 2})},
                        {"ceil_mode", IntAttr(1)}});
  auto out = RunNode(node, 10, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 2, 2}, {11, 12, 15, 16}));
  Node old = MakeNode("MaxPool", 1, 1, {{"kernel_shape", IntsAttr({3, 3})},
                                        {"strides", IntsAttr({2, 2})}});
  out = RunNode(old, 1, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 1}, {11}));
}

TEST(MaxPoolTest, Int8AndUint8FromOpset12) {
  Tensor x = MakeTensor<uint8_t>({1, 1, 2, 3}, {1, 200, 3, 4, 5, 255});
  Node node = MakeNode("MaxPool", 1, 1, {{"kernel_shape", IntsAttr({2, 2})}});
  auto out = RunNode(node, 12, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<uint8_t>({1, 1, 1, 2}, {200, 255}));
  Tensor xs = MakeTensor<int8_t>({1, 1, 2, 2}, {-5, -3, -128, -4});
  out = RunNode(node, 13, {&xs});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int8_t>({1, 1, 1, 1}, {-3}));
  EXPECT_FALSE(RunNode(node, 11, {&x}).ok());  // uint8 arrived in opset 12
}

struct PoolCase {
  const char* name;
  const char* op;
  std::string ref_kind;
  std::map<std::string, Attribute> attrs;
  std::vector<int64_t> k, s, d, pads, out;
};

class PoolVsReferenceTest : public ::testing::TestWithParam<PoolCase> {};

// Runs each case twice: float (oneDNN where it can) and double (always the direct loops).
TEST_P(PoolVsReferenceTest, FloatAndDoubleMatchNaiveLoop) {
  const PoolCase& c = GetParam();
  Tensor x = RandomTensor({2, 3, 9, 8}, 7);
  Tensor xd(DataType::kDouble, x.shape());
  for (int64_t i = 0; i < x.num_elements(); ++i) xd.data<double>()[i] = x.data<float>()[i];
  Node node = MakeNode(c.op, 1, 1, c.attrs);
  Tensor expected = RefPool2d(x, c.ref_kind, c.k, c.s, c.d, c.pads, c.out);
  auto out = RunNode(node, 19, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], expected, 1e-5, 1e-4);
  out = RunNode(node, 19, {&xd});
  ASSERT_TRUE(out.ok()) << out.status();
  const Tensor& yd = (*out)[0];
  ASSERT_EQ(yd.shape(), expected.shape());
  for (int64_t i = 0; i < yd.num_elements(); ++i) {
    EXPECT_NEAR(yd.data<double>()[i], expected.data<float>()[i], 1e-4) << i;
  }
  // The channels-last berth form, where oneDNN can express the case (no LpPool; ceil_mode's
  // extension must not count as padding).
  if (std::string(c.op) == "LpPool") return;
  node.domain = "berth";
  node.attributes["channels_last"] = IntAttr(1);
  Tensor x_nhwc = ToNhwc(x);
  out = RunNode(node, 1, {&x_nhwc});
  if (std::string(c.name) == "avg_include_pad_ceil") {
    EXPECT_FALSE(out.ok());
    return;
  }
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], ToNhwc(expected), 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PoolVsReferenceTest,
    ::testing::Values(
        PoolCase{"max_strided_padded", "MaxPool", "max",
                 {{"kernel_shape", IntsAttr({3, 2})}, {"strides", IntsAttr({2, 2})},
                  {"pads", IntsAttr({1, 0, 1, 1})}},
                 {3, 2}, {2, 2}, {1, 1}, {1, 0, 1, 1}, {5, 4}},
        PoolCase{"max_dilated_ceil", "MaxPool", "max",
                 {{"kernel_shape", IntsAttr({2, 2})}, {"dilations", IntsAttr({2, 3})},
                  {"strides", IntsAttr({2, 2})}, {"ceil_mode", IntAttr(1)}},
                 {2, 2}, {2, 2}, {2, 3}, {0, 0, 0, 0}, {4, 3}},
        PoolCase{"max_same_lower", "MaxPool", "max",
                 {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})},
                  {"auto_pad", StringAttr("SAME_LOWER")}},
                 {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 0}, {5, 4}},
        PoolCase{"avg_exclude_pad", "AveragePool", "avg",
                 {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 1, 1, 1})}},
                 {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, {9, 8}},
        PoolCase{"avg_include_pad", "AveragePool", "avg_pad",
                 {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 2, 1, 2})},
                  {"count_include_pad", IntAttr(1)}, {"strides", IntsAttr({2, 2})}},
                 {3, 3}, {2, 2}, {1, 1}, {1, 2, 1, 2}, {5, 5}},
        // ceil_mode adds a window past the end padding; it must not count as padding.
        PoolCase{"avg_include_pad_ceil", "AveragePool", "avg_pad",
                 {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 1, 1, 1})},
                  {"count_include_pad", IntAttr(1)}, {"strides", IntsAttr({2, 2})},
                  {"ceil_mode", IntAttr(1)}},
                 {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {5, 5}},
        PoolCase{"avg_dilated", "AveragePool", "avg",
                 {{"kernel_shape", IntsAttr({2, 3})}, {"dilations", IntsAttr({3, 2})}},
                 {2, 3}, {1, 1}, {3, 2}, {0, 0, 0, 0}, {6, 4}},
        PoolCase{"lp2", "LpPool", "lp2",
                 {{"kernel_shape", IntsAttr({2, 2})}, {"strides", IntsAttr({2, 2})},
                  {"pads", IntsAttr({1, 1, 0, 0})}},
                 {2, 2}, {2, 2}, {1, 1}, {1, 1, 0, 0}, {5, 4}},
        PoolCase{"lp3", "LpPool", "lp3",
                 {{"kernel_shape", IntsAttr({3, 2})}, {"p", IntAttr(3)}},
                 {3, 2}, {1, 1}, {1, 1}, {0, 0, 0, 0}, {7, 7}}),
    [](const ::testing::TestParamInfo<PoolCase>& info) { return info.param.name; });

TEST(PoolTest, OldOpsetAttributes) {
  Tensor x = Iota({1, 1, 3, 3});
  // AveragePool-1 has no count_include_pad: padding is excluded.
  Node avg = MakeNode("AveragePool", 1, 1, {{"kernel_shape", IntsAttr({2, 2})},
                                            {"pads", IntsAttr({1, 1, 0, 0})}});
  auto out = RunNode(avg, 1, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({1, 1, 3, 3}, {1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7}));
  // LpPool-1 takes p as a float.
  Node lp = MakeNode("LpPool", 1, 1, {{"kernel_shape", IntsAttr({3, 3})}, {"p", FloatAttr(1.f)}});
  out = RunNode(lp, 1, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 1}, {45}));
}

TEST(PoolTest, OneAndThreeDimensional) {
  Tensor x1 = Iota({1, 2, 5});
  Node max1 = MakeNode("MaxPool", 1, 1, {{"kernel_shape", IntsAttr({2})}});
  auto out = RunNode(max1, 12, {&x1});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 2, 4}, {2, 3, 4, 5, 7, 8, 9, 10}));
  Tensor x3 = Iota({1, 1, 2, 2, 2});
  Node avg3 = MakeNode("AveragePool", 1, 1, {{"kernel_shape", IntsAttr({2, 2, 2})}});
  out = RunNode(avg3, 11, {&x3});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 1, 1}, {4.5f}));
}

TEST(PoolTest, RejectsBadInputs) {
  Tensor x = RandomTensor({1, 1, 4, 4}, 1);
  Tensor x2d = RandomTensor({4, 4}, 2);
  EXPECT_FALSE(RunNode(MakeNode("MaxPool", 1), 12, {&x}).ok());  // kernel_shape missing
  Node k3 = MakeNode("MaxPool", 1, 1, {{"kernel_shape", IntsAttr({3, 3})}});
  EXPECT_EQ(RunNode(k3, 12, {&x2d}).status().code(), absl::StatusCode::kInvalidArgument);
  Node big = MakeNode("AveragePool", 1, 1, {{"kernel_shape", IntsAttr({5, 5})}});
  EXPECT_EQ(RunNode(big, 12, {&x}).status().code(), absl::StatusCode::kInvalidArgument);
  Node order = MakeNode("MaxPool", 1, 2, {{"kernel_shape", IntsAttr({2, 2})},
                                          {"storage_order", IntAttr(2)}});
  EXPECT_FALSE(RunNode(order, 12, {&x}).ok());
  Node p0 = MakeNode("LpPool", 1, 1, {{"kernel_shape", IntsAttr({2, 2})}, {"p", IntAttr(0)}});
  EXPECT_FALSE(RunNode(p0, 18, {&x}).ok());
  Node rank1 = MakeNode("MaxPool", 1, 1, {{"kernel_shape", IntsAttr({2})}});
  EXPECT_FALSE(RunNode(rank1, 12, {&x}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
