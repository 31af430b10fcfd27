// Test helpers for the recurrent kernels: random data, layout permutation, attribute makers,
// and the scalar activation functions the naive references use.
#ifndef BERTH_ENGINE_KERNELS_RNN_RNN_TEST_UTIL_H_
#define BERTH_ENGINE_KERNELS_RNN_RNN_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"

namespace berth::engine::testing {

inline std::vector<double> RandomValues(int64_t n, uint32_t seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

// A tensor of T holding `values` (rounded to T first, so references can use the same numbers).
template <typename T>
Tensor ToTensor(const Shape& shape, const std::vector<double>& values) {
  std::vector<T> typed(values.begin(), values.end());
  return MakeTensor<T>(shape, typed);
}

template <typename T>
std::vector<double> RoundTo(const std::vector<double>& values) {
  std::vector<double> out;
  for (double v : values) out.push_back(static_cast<double>(static_cast<T>(v)));
  return out;
}

// Swaps the first two axes of a row-major [a, b, inner] array.
inline std::vector<double> SwapLeadingAxes(const std::vector<double>& v, int64_t a, int64_t b,
                                           int64_t inner) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < a; ++i) {
    for (int64_t j = 0; j < b; ++j) {
      std::copy_n(v.begin() + (i * b + j) * inner, inner, out.begin() + (j * a + i) * inner);
    }
  }
  return out;
}

inline Attribute StringsAttr(std::vector<std::string> v) {
  Attribute a;
  a.type = Attribute::Type::kStrings;
  a.strings = std::move(v);
  return a;
}

inline Attribute FloatsAttr(std::vector<float> v) {
  Attribute a;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}

// Marks inputs that are null as missing (empty names), as the loader does.
inline void DropMissingInputs(Node& node, const std::vector<const Tensor*>& inputs) {
  for (size_t i = 0; i < inputs.size() && i < node.inputs.size(); ++i) {
    if (inputs[i] == nullptr) node.inputs[i].clear();
  }
}

// A scalar activation function with its ONNX parameters.
struct RefActivation {
  std::string name;
  // float, as the attributes are: references then use exactly the kernel's parameters.
  float alpha = 0;
  float beta = 0;

  double operator()(double x) const {
    const double alpha = this->alpha;
    const double beta = this->beta;
    if (name == "Tanh") return std::tanh(x);
    if (name == "Sigmoid") return 1 / (1 + std::exp(-x));
    if (name == "Relu") return std::max(x, 0.0);
    if (name == "Affine") return alpha * x + beta;
    if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
    if (name == "ThresholdedRelu") return x > alpha ? x : 0;
    if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
    if (name == "HardSigmoid") return std::clamp(alpha * x + beta, 0.0, 1.0);
    if (name == "Elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "Softsign") return x / (1 + std::fabs(x));
    if (name == "Softplus") return std::log(1 + std::exp(x));
    ADD_FAILURE() << "unknown activation " << name;
    return 0;
  }
};

inline double Clip(double x, double clip) { return clip > 0 ? std::clamp(x, -clip, clip) : x; }

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_KERNELS_RNN_RNN_TEST_UTIL_H_
