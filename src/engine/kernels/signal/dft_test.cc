#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

using C = std::complex<double>;

// A naive DFT of a [outer, n, inner, channels] array along n, zero-padded or truncated to
// `length`; returns [outer, out_n, inner, 2] (out_n = length/2 + 1 when onesided).
std::vector<double> NaiveDft(const std::vector<double>& x, int64_t outer, int64_t n,
                             int64_t inner, int64_t channels, int64_t length, bool inverse,
                             bool onesided) {
  const int64_t out_n = onesided ? length / 2 + 1 : length;
  std::vector<double> y(outer * out_n * inner * 2);
  const double sign = inverse ? 1 : -1;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t k = 0; k < out_n; ++k) {
        C sum(0, 0);
        for (int64_t j = 0; j < std::min(n, length); ++j) {
          const double* p = &x[((o * n + j) * inner + i) * channels];
          const C v(p[0], channels == 2 ? p[1] : 0);
          sum += v * std::polar(1.0, sign * 2 * std::numbers::pi * (j * k % length) / length);
        }
        if (inverse) sum /= static_cast<double>(length);
        double* q = &y[((o * out_n + k) * inner + i) * 2];
        q[0] = sum.real();
        q[1] = sum.imag();
      }
    }
  }
  return y;
}

std::vector<double> Random(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

template <typename T>
Tensor Make(const Shape& shape, const std::vector<double>& v) {
  std::vector<T> typed;
  for (double x : v) typed.push_back(static_cast<T>(x));
  return MakeTensor<T>(shape, typed);
}

TEST(DftTest, RealForwardHandComputed) {
  Tensor x = MakeTensor<float>({1, 4, 1}, {1, 2, 3, 4});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("DFT", 1), 17, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));

  out = RunNode(MakeNode("DFT", 1, 1, {{"onesided", IntAttr(1)}}), 17, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 3, 2}, {10, 0, -2, 2, -2, 0}));
}

TEST(DftTest, InverseOneSidedRebuildsTheRealSignal) {
  Tensor spectrum = MakeTensor<float>({1, 3, 2}, {10, 0, -2, 2, -2, 0});
  Node node = MakeNode("DFT", 1, 1, {{"onesided", IntAttr(1)}, {"inverse", IntAttr(1)}});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 17, {&spectrum});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 4, 1}, {1, 2, 3, 4}));

  // An odd dft_length uses bins 0..2 of the spectrum of [1, 2, 3, 4, 5].
  Tensor odd = MakeTensor<double>({1, 3, 2}, {15, 0, -2.5, 3.440954801177933, -2.5,
                                              0.812299240582266});
  Tensor length = MakeTensor<int64_t>({}, {5});
  Node with_length = node;
  with_length.inputs.push_back("len");
  out = RunNode(with_length, 17, {&odd, &length});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<double>({1, 5, 1}, {1, 2, 3, 4, 5}), 1e-9, 1e-9);
}

struct DftCase {
  std::string name;
  int opset = 17;
  int64_t axis = 1;  // normalized axis in the [2, 5, 6, channels] input
  int64_t axis_value = 1;  // as given to the node
  bool axis_as_input = false;
  int64_t channels = 1;
  int64_t length = -1;  // -1: no dft_length input
  bool inverse = false;
  bool onesided = false;
};

template <typename T>
void RunDftCase(const DftCase& c, double tolerance) {
  SCOPED_TRACE(c.name);
  const Shape shape = {2, 5, 6, c.channels};
  const std::vector<double> x = Random(2 * 5 * 6 * c.channels, 3);
  const int64_t n = shape[c.axis];
  const int64_t outer = c.axis == 1 ? 2 : 10;
  const int64_t inner = c.axis == 1 ? 6 : 1;
  const int64_t length = c.length > 0 ? c.length : n;
  const std::vector<double> expected =
      NaiveDft(x, outer, n, inner, c.channels, length, c.inverse, c.onesided);
  Shape out_shape = shape;
  out_shape[c.axis] = c.onesided ? length / 2 + 1 : length;
  out_shape[3] = 2;

  std::map<std::string, Attribute> attrs = {{"inverse", IntAttr(c.inverse)},
                                            {"onesided", IntAttr(c.onesided)}};
  if (!c.axis_as_input) attrs["axis"] = IntAttr(c.axis_value);
  Node node = MakeNode("DFT", 3, 1, attrs);
  Tensor tx = Make<T>(shape, x);
  Tensor tlen = MakeTensor<int32_t>({}, {static_cast<int32_t>(length)});
  Tensor taxis = MakeTensor<int64_t>({}, {c.axis_value});
  if (c.length <= 0) node.inputs[1].clear();
  if (!c.axis_as_input) node.inputs[2].clear();
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(node, c.opset,
              {&tx, c.length > 0 ? &tlen : nullptr, c.axis_as_input ? &taxis : nullptr});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], Make<T>(out_shape, expected), tolerance, tolerance);
}

std::vector<DftCase> DftCases() {
  return {
      {.name = "real forward axis 1"},
      {.name = "complex forward axis 2", .axis = 2, .axis_value = 2, .channels = 2},
      {.name = "negative axis", .axis = 2, .axis_value = -2, .channels = 2},
      {.name = "complex inverse", .channels = 2, .inverse = true},
      {.name = "onesided real, padded", .axis = 2, .axis_value = 2, .length = 9,
       .onesided = true},
      {.name = "truncated", .length = 3},
      {.name = "non-power-of-two padded inverse", .channels = 2, .length = 11, .inverse = true},
      {.name = "opset 20 default axis is the last signal axis", .opset = 20, .axis = 2,
       .axis_value = -2, .axis_as_input = true},
      {.name = "opset 20 axis input", .opset = 20, .axis = 1, .axis_value = 1,
       .axis_as_input = true, .channels = 2, .length = 8},
  };
}

TEST(DftTest, MatchesNaiveDft) {
  for (const DftCase& c : DftCases()) RunDftCase<float>(c, 1e-4);
  for (const DftCase& c : DftCases()) RunDftCase<double>(c, 1e-10);
}

TEST(DftTest, Opset20DefaultAxisWithoutInput) {
  // [1, 2, 4, 1]: the default axis -2 is dimension 2 (opset 17's default would be 1).
  Tensor x = MakeTensor<float>({1, 2, 4, 1}, {1, 2, 3, 4, 0, 1, 0, 0});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("DFT", 1), 20, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({1, 2, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2,  //
                                                    1, 0, 0, -1, -1, 0, 0, 1}));
}

TEST(DftTest, HalfPrecision) {
  Tensor x = MakeTensor<Float16>({1, 4, 1}, {Float16(1), Float16(2), Float16(3), Float16(4)});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("DFT", 1), 17, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<Float16> expected;
  for (float v : {10, 0, -2, 2, -2, 0, -2, -2}) expected.push_back(Float16(v));
  ExpectTensorNear((*out)[0], MakeTensor<Float16>({1, 4, 2}, expected));
}

TEST(DftTest, RejectsBadInputs) {
  Tensor three_channels(DataType::kFloat, {1, 4, 3});
  Tensor x(DataType::kFloat, {1, 4, 1});
  Tensor zero = MakeTensor<int64_t>({}, {0});
  Tensor pair = MakeTensor<int64_t>({2}, {4, 4});
  EXPECT_FALSE(RunNode(MakeNode("DFT", 1), 17, {&three_channels}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DFT", 1, 1, {{"axis", IntAttr(-1)}}), 17, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DFT", 1, 1, {{"axis", IntAttr(2)}}), 17, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DFT", 1, 1, {{"inverse", IntAttr(2)}}), 17, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DFT", 2), 17, {&x, &zero}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DFT", 2), 17, {&x, &pair}).ok());
  Tensor axis = MakeTensor<int64_t>({}, {2});
  Node node = MakeNode("DFT", 3);
  node.inputs[1].clear();
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 20, {&x, nullptr, &axis});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  // IRFFT of a single bin has no default length (2 * (1 - 1) = 0).
  Tensor one_bin(DataType::kFloat, {1, 1, 2});
  Node irfft = MakeNode("DFT", 1, 1, {{"onesided", IntAttr(1)}, {"inverse", IntAttr(1)}});
  EXPECT_FALSE(RunNode(irfft, 17, {&one_bin}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
