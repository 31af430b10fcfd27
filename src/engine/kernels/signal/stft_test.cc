#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// The naive STFT of a [batch, length, channels] signal: [batch, frames, bins, 2].
std::vector<float> NaiveStft(const std::vector<float>& x, int64_t batch, int64_t length,
                             int64_t channels, int64_t step, const std::vector<float>& window,
                             bool onesided) {
  const int64_t n = static_cast<int64_t>(window.size());
  const int64_t frames = (length - n) / step + 1;
  const int64_t bins = onesided ? n / 2 + 1 : n;
  std::vector<float> y;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      for (int64_t k = 0; k < bins; ++k) {
        std::complex<double> sum(0, 0);
        for (int64_t j = 0; j < n; ++j) {
          const float* p = &x[(b * length + f * step + j) * channels];
          const std::complex<double> v(p[0], channels == 2 ? p[1] : 0);
          sum += v * static_cast<double>(window[j]) *
                 std::polar(1.0, -2 * std::numbers::pi * (j * k % n) / n);
        }
        y.push_back(static_cast<float>(sum.real()));
        y.push_back(static_cast<float>(sum.imag()));
      }
    }
  }
  return y;
}

std::vector<float> Signal(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * i) + 0.25f * std::cos(1.3f * i);
  return v;
}

TEST(StftTest, WindowedOneSidedFrames) {
  std::vector<float> window(8);
  for (int i = 0; i < 8; ++i) window[i] = 0.5f - 0.5f * std::cos(2 * std::numbers::pi * i / 8);
  const std::vector<float> x = Signal(2 * 21);
  Tensor signal = MakeTensor<float>({2, 21, 1}, x);
  Tensor step = MakeTensor<int64_t>({}, {4});
  Tensor win = MakeTensor<float>({8}, window);
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("STFT", 3), 17, {&signal, &step, &win});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<float> expected = NaiveStft(x, 2, 21, 1, 4, window, true);
  ExpectTensorNear((*out)[0], MakeTensor<float>({2, 4, 5, 2}, expected), 1e-5, 1e-4);
}

TEST(StftTest, FrameLengthWithoutWindowTwoSided) {
  const std::vector<float> x = Signal(12);
  Tensor signal = MakeTensor<float>({1, 12, 1}, x);
  Tensor step = MakeTensor<int32_t>({}, {3});
  Tensor length = MakeTensor<int32_t>({}, {6});
  Node node = MakeNode("STFT", 4, 1, {{"onesided", IntAttr(0)}});
  node.inputs[2].clear();
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 17, {&signal, &step, nullptr, &length});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<float> expected = NaiveStft(x, 1, 12, 1, 3, std::vector<float>(6, 1), false);
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 3, 6, 2}, expected), 1e-5, 1e-4);
}

TEST(StftTest, ComplexSignalOddFrame) {
  const std::vector<float> x = Signal(2 * 10);
  Tensor signal = MakeTensor<float>({1, 10, 2}, x);
  Tensor step = MakeTensor<int64_t>({}, {2});
  Tensor win = MakeTensor<float>({5}, {0.1f, 0.5f, 1, 0.5f, 0.1f});
  Tensor length = MakeTensor<int64_t>({}, {5});
  Node node = MakeNode("STFT", 4, 1, {{"onesided", IntAttr(0)}});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 17, {&signal, &step, &win, &length});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({1, 3, 5, 2},
                                     NaiveStft(x, 1, 10, 2, 2, {0.1f, 0.5f, 1, 0.5f, 0.1f}, false)),
                   1e-5, 1e-4);
}

TEST(StftTest, RejectsBadInputs) {
  Tensor signal(DataType::kFloat, {1, 8, 1});
  Tensor complex_signal(DataType::kFloat, {1, 8, 2});
  Tensor step = MakeTensor<int64_t>({}, {2});
  Tensor zero_step = MakeTensor<int64_t>({}, {0});
  Tensor win(DataType::kFloat, {4});
  Tensor long_length = MakeTensor<int64_t>({}, {9});
  Tensor other_length = MakeTensor<int64_t>({}, {3});
  Tensor double_win(DataType::kDouble, {4});
  Node two = MakeNode("STFT", 2);
  Node three = MakeNode("STFT", 3);
  Node four = MakeNode("STFT", 4);
  Node no_window = four;
  no_window.inputs[2].clear();
  EXPECT_FALSE(RunNode(two, 17, {&signal, &zero_step}).ok());
  EXPECT_FALSE(RunNode(two, 17, {&complex_signal, &step}).ok());  // onesided defaults to 1
  EXPECT_FALSE(RunNode(no_window, 17, {&signal, &step, nullptr, &long_length}).ok());
  EXPECT_FALSE(RunNode(four, 17, {&signal, &step, &win, &other_length}).ok());
  EXPECT_FALSE(RunNode(three, 17, {&signal, &step, &double_win}).ok());
  Tensor rank2(DataType::kFloat, {8, 1});
  EXPECT_FALSE(RunNode(two, 17, {&rank2, &step}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
