// berth::QLinearAdd against DequantizeLinear, Add, [Relu,] QuantizeLinear done by hand in
// float, the graph the QDQ pass replaces: within one step, and rarely off at all.
#include <algorithm>
#include <cmath>
#include <random>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct AddCase {
  DataType a_type, b_type, c_type;
  bool relu;
  int64_t n;
};

int32_t ByteAt(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i];
}

Tensor RandomBytes(DataType type, Shape shape, std::mt19937& rng) {
  Tensor t(type, shape);
  std::uniform_int_distribution<int> dist(0, 255);
  auto* p = static_cast<uint8_t*>(t.raw_data());
  for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<uint8_t>(dist(rng));
  return t;
}

Tensor ZeroPoint(DataType type, int v) {
  return type == DataType::kInt8 ? MakeTensor<int8_t>({}, {static_cast<int8_t>(v)})
                                 : MakeTensor<uint8_t>({}, {static_cast<uint8_t>(v)});
}

class QLinearAddTest : public ::testing::TestWithParam<AddCase> {};

TEST_P(QLinearAddTest, MatchesDequantizeAddQuantize) {
  const AddCase& c = GetParam();
  std::mt19937 rng(3);
  const Shape shape = {1, c.n, 3};
  Tensor a = RandomBytes(c.a_type, shape, rng), b = RandomBytes(c.b_type, shape, rng);
  const int az = c.a_type == DataType::kInt8 ? -3 : 120, bz = c.b_type == DataType::kInt8 ? 5 : 3;
  const int cz = c.c_type == DataType::kInt8 ? -10 : 70;
  Tensor as = MakeTensor<float>({}, {0.031f}), bs = MakeTensor<float>({}, {0.017f});
  Tensor cs = MakeTensor<float>({}, {0.043f});
  Tensor azt = ZeroPoint(c.a_type, az), bzt = ZeroPoint(c.b_type, bz);
  Tensor czt = ZeroPoint(c.c_type, cz);
  Node node = MakeNode("QLinearAdd", 8);
  node.domain = "berth";
  if (c.relu) node.attributes["activation"] = StringAttr("Relu");
  auto out = RunNode(node, 1, {&a, &as, &azt, &b, &bs, &bzt, &cs, &czt});
  ASSERT_TRUE(out.ok()) << out.status();
  const Tensor& got = (*out)[0];
  ASSERT_EQ(got.dtype(), c.c_type);
  ASSERT_EQ(got.shape(), shape);
  const float lo = c.c_type == DataType::kInt8 ? -128.f : 0.f;
  const float hi = c.c_type == DataType::kInt8 ? 127.f : 255.f;
  int64_t off = 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const float fa = (static_cast<float>(ByteAt(a, i)) - az) * 0.031f;
    const float fb = (static_cast<float>(ByteAt(b, i)) - bz) * 0.017f;
    float sum = fa + fb;
    if (c.relu) sum = std::max(sum, 0.f);
    const float want = std::clamp(std::nearbyint(sum / 0.043f) + cz, lo, hi);
    // The kernel multiplies where QuantizeLinear divides: a tie may round the other way.
    ASSERT_LE(std::abs(ByteAt(got, i) - static_cast<int32_t>(want)), 1) << "element " << i;
    off += ByteAt(got, i) != static_cast<int32_t>(want);
  }
  EXPECT_LE(off, got.num_elements() / 100 + 1);
}

INSTANTIATE_TEST_SUITE_P(
    Types, QLinearAddTest,
    ::testing::Values(AddCase{DataType::kUint8, DataType::kUint8, DataType::kUint8, false, 7},
                      AddCase{DataType::kUint8, DataType::kUint8, DataType::kUint8, true, 40000},
                      AddCase{DataType::kInt8, DataType::kUint8, DataType::kInt8, true, 33},
                      AddCase{DataType::kInt8, DataType::kInt8, DataType::kUint8, false, 5}));

TEST(QLinearAddErrorTest, RefusesMismatchedShapesAndBadAttributes) {
  Tensor a = MakeTensor<uint8_t>({2}, {1, 2}), b = MakeTensor<uint8_t>({3}, {1, 2, 3});
  Tensor s = MakeTensor<float>({}, {0.1f}), z = MakeTensor<uint8_t>({}, {0});
  Node node = MakeNode("QLinearAdd", 8);
  node.domain = "berth";
  auto out = RunNode(node, 1, {&a, &s, &z, &b, &s, &z, &s, &z});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("same shape"), std::string::npos) << out.status();
  node.attributes["activation"] = StringAttr("Sigmoid");
  out = RunNode(node, 1, {&a, &s, &z, &a, &s, &z, &s, &z});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("activation"), std::string::npos) << out.status();
  Tensor zero = MakeTensor<float>({}, {0.f});
  node.attributes.erase("activation");
  out = RunNode(node, 1, {&a, &s, &z, &a, &s, &z, &zero, &z});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("positive"), std::string::npos) << out.status();
}

}  // namespace
}  // namespace berth::engine::testing
