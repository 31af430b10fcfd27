// Tensors of known distributions for the quality tests.
#ifndef BERTH_QUALITY_TEST_UTIL_H_
#define BERTH_QUALITY_TEST_UTIL_H_

#include <random>

#include "engine/core/tensor.h"

namespace berth::quality {

// rows x cols floats drawn from N(mean, 1), fixed seed.
inline engine::Tensor Normal(int64_t rows, int64_t cols, double mean, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(static_cast<float>(mean), 1.0f);
  engine::Tensor t(engine::DataType::kFloat, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// rows x classes scores whose argmax is class (row % classes) for rows below `skew_from`,
// and class 0 from there on.
inline engine::Tensor Scores(int64_t rows, int64_t classes, int64_t skew_from) {
  engine::Tensor t(engine::DataType::kFloat, {rows, classes});
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t winner = r < skew_from ? r % classes : 0;
    for (int64_t c = 0; c < classes; ++c) t.data<float>()[r * classes + c] = c == winner ? 1 : 0;
  }
  return t;
}

}  // namespace berth::quality

#endif  // BERTH_QUALITY_TEST_UTIL_H_
