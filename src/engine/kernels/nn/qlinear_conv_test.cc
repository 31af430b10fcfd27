// QLinearConv and ConvInteger on oneDNN (constant weights and quantization parameters)
// against the reference loops (the same node with runtime inputs), and berth::QLinearConv
// channels-last with Relu.
#include <cmath>
#include <random>
#include <set>

#include "engine/core/channels_last.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct Case {
  Shape x, w;
  int64_t group = 1;
  std::vector<int64_t> strides, pads, dilations;
  bool x_signed = false;
  int x_zp = 0, y_zp = 0;
  bool per_channel = true;
  bool bias = true;
};

template <typename T>
void FillRandom(Tensor& t, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  for (T& v : t.span<T>()) v = static_cast<T>(dist(rng));
}

Tensor ByteScalar(bool is_signed, int v) {
  return is_signed ? MakeTensor<int8_t>({}, {static_cast<int8_t>(v)})
                   : MakeTensor<uint8_t>({}, {static_cast<uint8_t>(v)});
}

// The nine QLinearConv inputs of one case, with scales that spread the outputs over the
// 8-bit range.
struct Inputs {
  Tensor x, xs, xz, w, ws, wz, ys, yz, b;
  std::vector<const Tensor*> Pointers(bool with_bias) const {
    std::vector<const Tensor*> p = {&x, &xs, &xz, &w, &ws, &wz, &ys, &yz};
    if (with_bias) p.push_back(&b);
    return p;
  }
};

Inputs MakeInputs(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  Inputs in;
  const int64_t m = c.w[0];
  in.x = Tensor(c.x_signed ? DataType::kInt8 : DataType::kUint8, c.x);
  if (c.x_signed) {
    FillRandom<int8_t>(in.x, rng, -128, 127);
  } else {
    FillRandom<uint8_t>(in.x, rng, 0, 255);
  }
  in.w = Tensor(DataType::kInt8, c.w);
  FillRandom<int8_t>(in.w, rng, -127, 127);
  in.xs = MakeTensor<float>({}, {0.02f});
  in.xz = ByteScalar(c.x_signed, c.x_zp);
  std::uniform_real_distribution<float> scale(0.004f, 0.01f);
  in.ws = Tensor(DataType::kFloat, c.per_channel ? Shape{m} : Shape{});
  for (float& s : in.ws.span<float>()) s = scale(rng);
  in.wz = Tensor(DataType::kInt8, c.per_channel ? Shape{m} : Shape{});
  for (int8_t& z : in.wz.span<int8_t>()) z = 0;
  int64_t k = 1;
  for (size_t i = 1; i < c.w.size(); ++i) k *= c.w[i];
  // |acc| is about sqrt(k) * 74 * 73 for uniform bytes; aim for outputs of +-40 steps.
  const float ys = 0.02f * 0.007f * std::sqrt(static_cast<float>(k)) * 74.f * 73.f / 40.f;
  in.ys = MakeTensor<float>({}, {ys});
  in.yz = ByteScalar(c.x_signed, c.y_zp);
  in.b = Tensor(DataType::kInt32, {m});
  std::uniform_int_distribution<int32_t> bias(-20000, 20000);
  for (int32_t& v : in.b.span<int32_t>()) v = bias(rng);
  return in;
}

Node QLinearConvNode(const Case& c, bool with_bias) {
  std::map<std::string, Attribute> attrs = {{"group", IntAttr(c.group)}};
  if (!c.strides.empty()) attrs["strides"] = IntsAttr(c.strides);
  if (!c.pads.empty()) attrs["pads"] = IntsAttr(c.pads);
  if (!c.dilations.empty()) attrs["dilations"] = IntsAttr(c.dilations);
  return MakeNode("QLinearConv", with_bias ? 9 : 8, 1, std::move(attrs));
}

// Same type and shape; every element within one quantization step (oneDNN scales in float,
// the reference in double) and at most 2% of them off by one.
void ExpectWithinOneStep(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(ShapeToString(got.shape()), ShapeToString(want.shape()));
  int64_t off = 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const int a = got.dtype() == DataType::kInt8 ? got.data<int8_t>()[i] : got.data<uint8_t>()[i];
    const int e =
        want.dtype() == DataType::kInt8 ? want.data<int8_t>()[i] : want.data<uint8_t>()[i];
    ASSERT_LE(std::abs(a - e), 1) << "element " << i << ": " << a << " vs " << e;
    off += a != e;
  }
  EXPECT_LE(off, got.num_elements() / 50 + 1) << off << " of " << got.num_elements();
}

// Counts the distinct output values, so that a case does not pass by saturating everything.
int DistinctValues(const Tensor& t) {
  std::set<int> seen;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    seen.insert(t.dtype() == DataType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i]);
  }
  return static_cast<int>(seen.size());
}

class QLinearConvDnnlTest : public ::testing::TestWithParam<Case> {};

TEST_P(QLinearConvDnnlTest, MatchesReferenceLoops) {
  const Case& c = GetParam();
  const Inputs in = MakeInputs(c, 11);
  const Node node = QLinearConvNode(c, c.bias);
  auto reference = RunNode(node, 10, in.Pointers(c.bias), /*as_constants=*/false);
  ASSERT_TRUE(reference.ok()) << reference.status();
  auto fast = RunNode(node, 10, in.Pointers(c.bias), /*as_constants=*/true);
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_GT(DistinctValues((*reference)[0]), 20);
  ExpectWithinOneStep((*fast)[0], (*reference)[0]);
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  cases.push_back({.x = {1, 16, 9, 9}, .w = {24, 16, 3, 3}, .pads = {1, 1, 1, 1}});
  cases.push_back({.x = {2, 8, 10, 7},
                   .w = {16, 8, 3, 3},
                   .strides = {2, 2},
                   .pads = {1, 0, 0, 1},
                   .x_zp = 128,
                   .y_zp = 100});
  cases.push_back({.x = {1, 3, 17, 17},
                   .w = {32, 3, 7, 7},
                   .strides = {2, 2},
                   .pads = {3, 3, 3, 3},
                   .x_zp = 3,
                   .per_channel = false});
  cases.push_back({.x = {1, 32, 8, 8}, .w = {64, 32, 1, 1}, .bias = false});
  cases.push_back(
      {.x = {1, 16, 8, 8}, .w = {16, 1, 3, 3}, .group = 16, .pads = {1, 1, 1, 1}, .y_zp = 7});
  cases.push_back({.x = {1, 16, 8, 8},
                   .w = {32, 4, 3, 3},
                   .group = 4,
                   .dilations = {2, 2},
                   .x_signed = true,
                   .x_zp = -5,
                   .y_zp = 3});
  cases.push_back(
      {.x = {1, 12, 20}, .w = {8, 12, 5}, .strides = {3}, .pads = {2, 2}, .x_signed = true});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, QLinearConvDnnlTest, ::testing::ValuesIn(AllCases()));

Tensor ToChannelsLast(const Tensor& t) {
  const Shape out_shape = ChannelsLastShape(t.shape());
  Tensor out(t.dtype(), out_shape);
  const int64_t n = t.dim(0), c = t.dim(1), s = t.num_elements() / (n * c);
  const auto* in = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < s; ++p) dst[(b * s + p) * c + ch] = in[(b * c + ch) * s + p];
  return out;
}

TEST(BerthQLinearConvTest, ChannelsLastReluMatchesReference) {
  const Case c{
      .x = {1, 16, 9, 9}, .w = {24, 16, 3, 3}, .pads = {1, 1, 1, 1}, .x_zp = 9, .y_zp = 60};
  Inputs in = MakeInputs(c, 5);
  auto reference = RunNode(QLinearConvNode(c, true), 10, in.Pointers(true));
  ASSERT_TRUE(reference.ok()) << reference.status();
  Tensor want = ToChannelsLast((*reference)[0]);
  for (uint8_t& v : want.span<uint8_t>()) v = std::max<uint8_t>(v, 60);  // Relu

  Node node = QLinearConvNode(c, true);
  node.domain = "berth";
  node.attributes["channels_last"] = IntAttr(1);
  node.attributes["activation"] = StringAttr("Relu");
  in.x = ToChannelsLast(in.x);
  auto fused = RunNode(node, 1, in.Pointers(true), /*as_constants=*/true);
  ASSERT_TRUE(fused.ok()) << fused.status();
  ExpectWithinOneStep((*fused)[0], want);
}

TEST(BerthQLinearConvTest, RefusesWhatOneDnnCannotRun) {
  const Case c{.x = {1, 4, 5, 5}, .w = {4, 4, 3, 3}};
  Inputs in = MakeInputs(c, 3);
  Node node = QLinearConvNode(c, true);
  node.domain = "berth";
  // Runtime weights: the berth form has no reference path and says why.
  auto out = RunNode(node, 1, in.Pointers(true), /*as_constants=*/false);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("constant int8"), std::string::npos) << out.status();
  node.attributes["activation"] = StringAttr("Tanh");
  out = RunNode(node, 1, in.Pointers(true), /*as_constants=*/true);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("activation"), std::string::npos) << out.status();
}

TEST(QLinearConvTest, NonZeroWeightZeroPointKeepsTheReferencePath) {
  const Case c{.x = {1, 4, 6, 6}, .w = {6, 4, 3, 3}, .x_zp = 10};
  Inputs in = MakeInputs(c, 8);
  for (int8_t& z : in.wz.span<int8_t>()) z = 2;
  const Node node = QLinearConvNode(c, true);
  auto constant = RunNode(node, 10, in.Pointers(true), /*as_constants=*/true);
  auto runtime = RunNode(node, 10, in.Pointers(true), /*as_constants=*/false);
  ASSERT_TRUE(constant.ok()) << constant.status();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  ExpectTensorNear((*constant)[0], (*runtime)[0], 0, 0);
}

struct IntegerCase {
  Case conv;
  bool w_unsigned = false;  // uint8 weights with zero point 128
};

class ConvIntegerDnnlTest : public ::testing::TestWithParam<IntegerCase> {};

TEST_P(ConvIntegerDnnlTest, MatchesReferenceLoopsExactly) {
  const Case& c = GetParam().conv;
  const bool w_unsigned = GetParam().w_unsigned;
  Inputs in = MakeInputs(c, 21);
  Tensor w = w_unsigned ? Tensor(DataType::kUint8, c.w) : in.w.Clone();
  if (w_unsigned) {
    for (int64_t i = 0; i < w.num_elements(); ++i) {
      w.data<uint8_t>()[i] = static_cast<uint8_t>(in.w.data<int8_t>()[i] + 128);
    }
  }
  Tensor wz = w_unsigned ? MakeTensor<uint8_t>({}, {128}) : MakeTensor<int8_t>({}, {0});
  Node node = QLinearConvNode(c, false);
  node.op_type = "ConvInteger";
  node.inputs.resize(4);
  const std::vector<const Tensor*> inputs = {&in.x, &w, &in.xz, &wz};
  auto reference = RunNode(node, 10, inputs, /*as_constants=*/false);
  ASSERT_TRUE(reference.ok()) << reference.status();
  auto fast = RunNode(node, 10, inputs, /*as_constants=*/true);
  ASSERT_TRUE(fast.ok()) << fast.status();
  ExpectTensorNear((*fast)[0], (*reference)[0], 0, 0);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvIntegerDnnlTest,
                         ::testing::Values(IntegerCase{AllCases()[0]},
                                           IntegerCase{AllCases()[1], true},
                                           IntegerCase{AllCases()[4]},
                                           IntegerCase{AllCases()[5], true},
                                           IntegerCase{AllCases()[6]}));

}  // namespace
}  // namespace berth::engine::testing
